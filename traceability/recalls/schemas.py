"""What the recall endpoints take and give."""

from __future__ import annotations

from datetime import datetime

import msgspec

from traceability.inputs import Input
from traceability.registry.types import ShortText


class RecallCreate(Input):
    reason: ShortText
    """Shown to everyone who scans a stamp of the lot, e.g. "Phát hiện dư lượng thuốc BVTV"."""


class LotRecall(msgspec.Struct, frozen=True):
    lot_id: int
    product_id: int
    cooperative_id: int
    reason: str
    recalled_at: datetime
    recalled_by_role: str
    """``cooperative`` or ``authority``: who called the lot back."""
