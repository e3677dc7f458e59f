"""What the planting-area endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from traceability.inputs import Id, Input
from traceability.registry.types import (
    AreaHectares,
    Gln,
    Latitude,
    Longitude,
    PlantingAreaCode,
    ShortText,
    check_gln,
    check_location,
    check_planting_area_code,
)

PlantingAreaSort = Literal["code", "-code", "created_at", "-created_at", "id", "-id"]


class PlantingAreaCreate(Input):
    code: PlantingAreaCode
    crop: ShortText
    area_ha: AreaHectares
    cooperative_id: Id | None = None
    """The authority must name it; a cooperative key defaults to its own cooperative."""
    name: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    gln: Gln | None = None
    """The area's GS1 GLN, if it has one: EPCIS exports name the harvest's place by it."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.code = check_planting_area_code(self.code)
        check_location(self.latitude, self.longitude)
        if self.gln is not None:
            check_gln(self.gln)


class PlantingAreaPatch(Input):
    code: PlantingAreaCode | UnsetType = UNSET
    crop: ShortText | UnsetType = UNSET
    area_ha: AreaHectares | UnsetType = UNSET
    name: ShortText | UnsetType | None = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET
    gln: Gln | UnsetType | None = UNSET


class PlantingArea(msgspec.Struct, frozen=True):
    id: int
    cooperative_id: int
    code: str
    name: str | None
    crop: str
    area_ha: float
    latitude: float | None
    longitude: float | None
    gln: str | None
    created_at: datetime
    updated_at: datetime
