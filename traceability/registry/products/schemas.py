"""What the product and certification endpoints take and give.

GTINs: GTIN-8, -12, -13 and -14 are accepted and stored as GTIN-14, left-padded with zeros,
the form GS1 Digital Link URIs and the stamps carry; one product has one GTIN whichever
length it was typed in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from traceability.inputs import Id, Input
from traceability.registry.types import (
    Gtin,
    HttpsUrl,
    LongText,
    ShortText,
    add_months,
    check_dates,
    check_https_url,
    to_gtin14,
)

Category = Literal[
    "fruit", "tea", "honey", "vegetable", "grain", "medicinal_herb", "livestock",
    "processed_food", "beverage", "handicraft", "other",
]  # fmt: skip
OcopStars = Literal[3, 4, 5]
OcopScore = Annotated[int, msgspec.Meta(ge=0, le=100, description="OCOP evaluation points")]
ProductSort = Literal["name", "-name", "created_at", "-created_at", "id", "-id"]

OCOP_VALIDITY_MONTHS = 36
"""An OCOP certificate is valid for 36 months from issue (Decision 148/QĐ-TTg)."""
_SCORE_BANDS = {3: range(50, 70), 4: range(70, 90), 5: range(90, 101)}


class ProductCreate(Input):
    multiline = frozenset({"description"})

    name_vi: ShortText
    category: Category
    cooperative_id: Id | None = None
    """The authority must name it; a cooperative key defaults to its own cooperative."""
    name_en: ShortText | None = None
    gtin: Gtin | None = None
    brand: ShortText | None = None
    ocop_stars: OcopStars | None = None
    ocop_score: OcopScore | None = None
    ocop_certificate_no: ShortText | None = None
    ocop_issued_on: date | None = None
    ocop_expires_on: date | None = None
    """Defaults to 36 months after ``ocop_issued_on``."""
    geographical_indication: ShortText | None = None
    applied_standards: ShortText | None = None
    description: LongText | None = None
    image_url: HttpsUrl | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gtin is not None:
            self.gtin = to_gtin14(self.gtin)
        if self.image_url is not None:
            check_https_url(self.image_url)
        self._check_ocop()

    def _check_ocop(self) -> None:
        if self.ocop_stars is None and (
            self.ocop_score is not None or self.ocop_certificate_no is not None
        ):
            raise ValueError("An OCOP score or certificate needs its star rating (ocop_stars)")
        if self.ocop_stars is not None and self.ocop_score is not None:
            band = _SCORE_BANDS[self.ocop_stars]
            if self.ocop_score not in band:
                raise ValueError(
                    f"An OCOP score of {self.ocop_score} does not match {self.ocop_stars} stars "
                    f"({band.start}–{band.stop - 1} points; 3★ 50–69, 4★ 70–89, 5★ 90–100)"
                )
        if self.ocop_issued_on is not None and self.ocop_expires_on is None:
            self.ocop_expires_on = add_months(self.ocop_issued_on, OCOP_VALIDITY_MONTHS)
        check_dates(
            self.ocop_issued_on,
            self.ocop_expires_on,
            "The OCOP certificate must expire after it is issued",
            strict=True,
        )


class ProductPatch(Input):
    """Only the fields sent change; ``null`` clears an optional field."""

    multiline = frozenset({"description"})

    name_vi: ShortText | UnsetType = UNSET
    category: Category | UnsetType = UNSET
    name_en: ShortText | UnsetType | None = UNSET
    gtin: Gtin | UnsetType | None = UNSET
    brand: ShortText | UnsetType | None = UNSET
    ocop_stars: OcopStars | UnsetType | None = UNSET
    ocop_score: OcopScore | UnsetType | None = UNSET
    ocop_certificate_no: ShortText | UnsetType | None = UNSET
    ocop_issued_on: date | UnsetType | None = UNSET
    ocop_expires_on: date | UnsetType | None = UNSET
    geographical_indication: ShortText | UnsetType | None = UNSET
    applied_standards: ShortText | UnsetType | None = UNSET
    description: LongText | UnsetType | None = UNSET
    image_url: HttpsUrl | UnsetType | None = UNSET


class Product(msgspec.Struct, frozen=True):
    id: int
    cooperative_id: int
    name_vi: str
    name_en: str | None
    category: str
    gtin: str | None
    brand: str | None
    ocop_stars: int | None
    ocop_score: int | None
    ocop_certificate_no: str | None
    ocop_issued_on: date | None
    ocop_expires_on: date | None
    geographical_indication: str | None
    applied_standards: str | None
    description: str | None
    image_url: str | None
    created_at: datetime
    updated_at: datetime


class CertificationCreate(Input):
    scheme: ShortText
    """VietGAP, organic (TCVN 11041), GlobalGAP, ISO 22000, HACCP…"""
    issued_on: date
    number: ShortText | None = None
    issuer: ShortText | None = None
    expires_on: date | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_dates(
            self.issued_on,
            self.expires_on,
            "A certification must expire after it is issued",
            strict=True,
        )


class Certification(msgspec.Struct, frozen=True):
    id: int
    product_id: int
    scheme: str
    number: str | None
    issuer: str | None
    issued_on: date
    expires_on: date | None
