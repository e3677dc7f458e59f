"""What the cooperative endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from traceability.accounts.users import User
from traceability.inputs import Input
from traceability.registry.types import (
    Email,
    Gln,
    HttpsUrl,
    Latitude,
    Longitude,
    Phone,
    ShortText,
    TaxCode,
    check_gln,
    check_https_url,
    check_location,
)

CooperativeSort = Literal["name", "-name", "created_at", "-created_at", "id", "-id"]


class CooperativeCreate(Input):
    name: ShortText
    tax_code: TaxCode
    commune: ShortText
    province: ShortText = "Tuyên Quang"
    """Since 1 July 2025 Hà Giang province is part of Tuyên Quang."""
    district: ShortText | None = None
    """The former district (huyện, abolished 1 July 2025): optional, kept for history and
    for names such as "Mèo Vạc" in geographical indications."""
    address_line: ShortText | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    contact_name: ShortText | None = None
    phone: Phone | None = None
    email: Email | None = None
    website: HttpsUrl | None = None
    gln: Gln | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_location(self.latitude, self.longitude)
        if self.website is not None:
            check_https_url(self.website)
        if self.gln is not None:
            check_gln(self.gln)


class CooperativePatch(Input):
    """Only the fields sent change; ``null`` clears an optional field."""

    name: ShortText | UnsetType = UNSET
    tax_code: TaxCode | UnsetType = UNSET
    province: ShortText | UnsetType = UNSET
    district: ShortText | UnsetType | None = UNSET
    commune: ShortText | UnsetType = UNSET
    address_line: ShortText | UnsetType | None = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET
    contact_name: ShortText | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET
    website: HttpsUrl | UnsetType | None = UNSET
    gln: Gln | UnsetType | None = UNSET


class Cooperative(msgspec.Struct, frozen=True):
    """The full record: for the authority and the cooperative itself."""

    id: int
    name: str
    tax_code: str
    province: str
    district: str | None
    """The former district, if recorded."""
    commune: str
    address_line: str | None
    latitude: float | None
    longitude: float | None
    contact_name: str | None
    phone: str | None
    email: str | None
    website: str | None
    gln: str | None
    created_at: datetime
    updated_at: datetime
    suspended_at: datetime | None = None
    """Suspended by the authority: its people and keys are locked out, its stamps verify."""
    suspension_reason: str | None = None


class CooperativeProfile(msgspec.Struct, frozen=True):
    """What anyone with a key may see: who and where, not how to reach them."""

    id: int
    name: str
    province: str
    district: str | None
    """The former district, if recorded."""
    commune: str
    created_at: datetime


class CooperativeRecord(msgspec.Struct, frozen=True):
    """A cooperative as the authority's list shows it: the record and its active accounts."""

    cooperative: Cooperative
    people: int
    """People who can sign in (not disabled)."""
    keys: int
    """API keys not revoked."""


class Suspension(Input):
    """Suspend a cooperative: why (its people read it when they are turned away)."""

    reason: ShortText


class FirstUser(Input):
    """The cooperative's first person: they sign in with a one-time password shown once."""

    login: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    """A mobile number (0912 345 678) or an e-mail address."""
    display_name: ShortText
    language: Literal["vi", "en"] = "vi"


class CooperativeOnboarding(Input):
    """A cooperative and its first person, created together (or neither)."""

    cooperative: CooperativeCreate
    first_user: FirstUser


class Onboarded(msgspec.Struct, frozen=True):
    cooperative: Cooperative
    user: User
    one_time_password: str
    """Shown this once: the person changes it at the first sign-in."""
