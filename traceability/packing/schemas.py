"""What the carton endpoints take and give: a carton (SSCC) and the stamp serials packed in it."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated

import msgspec

from traceability.inputs import Id, Input
from traceability.registry.lots.schemas import AwareDateTime
from traceability.registry.types import Gln, check_gln, gs1_check_digit
from traceability.stamping.schemas import Serial

Sscc = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{18}$",
        description="GS1 SSCC (AI 00): 18 digits with a valid check digit",
        examples=["389385340000000015"],
    ),
]
MAX_RANGES = 200


class SerialRange(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    first_serial: Serial
    last_serial: Serial
    """Inclusive; equal to ``first_serial`` for one stamp."""

    def __post_init__(self) -> None:
        if self.last_serial < self.first_serial:
            raise ValueError("last_serial must not be below first_serial")


def check_sscc(code: str) -> str:
    if int(code[-1]) != gs1_check_digit(code[:-1]):
        raise ValueError(f"SSCC {code} has a wrong check digit")
    return code


class CartonCreate(Input):
    """Stamped items packed into a carton: one range per run of serials (each of one lot)."""

    sscc: Sscc
    contents: Annotated[list[SerialRange], msgspec.Meta(min_length=1, max_length=MAX_RANGES)]
    packed_at: AwareDateTime | None = None
    """When it was packed (RFC 3339 with an offset); now if left out."""
    place_gln: Gln | None = None
    """Where it was packed; the cooperative's own GLN if left out."""
    cooperative_id: Id | None = None
    """The authority names the cooperative; a cooperative key packs for itself."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_sscc(self.sscc)
        if self.place_gln is not None:
            check_gln(self.place_gln)
        ordered = sorted(self.contents, key=lambda r: r.first_serial)
        for before, after in pairwise(ordered):
            if after.first_serial <= before.last_serial:
                raise ValueError("The serial ranges of one carton must not overlap")


class Unpacking(Input):
    unpacked_at: AwareDateTime | None = None


class CartonContent(msgspec.Struct, frozen=True):
    batch_id: int
    lot_id: int
    first_serial: int
    last_serial: int
    count: int


class Carton(msgspec.Struct, frozen=True):
    id: int
    sscc: str
    cooperative_id: int
    packed_at: datetime
    place_gln: str | None
    unpacked_at: datetime | None
    count: int
    """Stamped items in it."""
    contents: list[CartonContent]
