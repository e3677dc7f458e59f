"""What the API key endpoints take and give."""

from __future__ import annotations

from typing import Annotated

import msgspec

from traceability.accounts.repository import Role

KeyName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]


class ApiKeyCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    name: KeyName
    role: Role
    cooperative_id: int | None = None
