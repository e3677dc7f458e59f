"""What the chain and store endpoints (and the portal's forms) take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

import msgspec
from msgspec import UNSET, UnsetType

from traceability.accounts.users import User
from traceability.inputs import Input
from traceability.registry.types import (
    Email,
    Gln,
    Latitude,
    Longitude,
    Phone,
    ShortText,
    TaxCode,
    check_gln,
    check_location,
)

PROVINCES: Final = (
    # The 34 provinces and cities since 1 July 2025 (Resolution 202/2025/QH15), offered as
    # suggestions where an address is typed; any name is accepted.
    "Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ",
    "Tuyên Quang", "Cao Bằng", "Lào Cai", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn",
    "Thái Nguyên", "Phú Thọ", "Quảng Ninh", "Bắc Ninh", "Hưng Yên", "Ninh Bình",
    "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Quảng Ngãi", "Gia Lai", "Khánh Hòa",
    "Lâm Đồng", "Đắk Lắk", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp", "An Giang",
    "Cà Mau",
)  # fmt: skip


class ChainCreate(Input):
    """A supermarket chain as the authority registers it: who it is and its head office."""

    name: ShortText
    tax_code: TaxCode
    province: ShortText
    """Province or centrally-run city of the head office (two-level addresses since 2025)."""
    commune: ShortText
    """Commune or ward (xã, phường) of the head office."""
    address_line: ShortText | None = None
    gln: Gln | None = None
    """The chain's GS1 Global Location Number, if it has one."""
    contact_name: ShortText | None = None
    phone: Phone | None = None
    email: Email | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gln is not None:
            check_gln(self.gln)


class ChainPatch(Input):
    """Only the fields sent change; ``null`` clears an optional field."""

    name: ShortText | UnsetType = UNSET
    tax_code: TaxCode | UnsetType = UNSET
    province: ShortText | UnsetType = UNSET
    commune: ShortText | UnsetType = UNSET
    address_line: ShortText | UnsetType | None = UNSET
    gln: Gln | UnsetType | None = UNSET
    contact_name: ShortText | UnsetType | None = UNSET
    phone: Phone | UnsetType | None = UNSET
    email: Email | UnsetType | None = UNSET


class Chain(msgspec.Struct, frozen=True):
    id: int
    name: str
    tax_code: str | None
    """None only for a chain made from a key issued before chains existed (``incomplete``)."""
    gln: str | None
    province: str | None
    commune: str | None
    address_line: str | None
    contact_name: str | None
    phone: str | None
    email: str | None
    incomplete: bool
    """Made from a retailer key or person that predates chains: the authority should fill in
    its tax code and head office."""
    suspended_at: datetime | None
    suspension_reason: str | None
    created_at: datetime
    updated_at: datetime


class ChainRecord(msgspec.Struct, frozen=True):
    """A chain as the authority's list shows it, with what it holds."""

    chain: Chain
    stores: int
    """Stores not closed."""
    people: int
    """People who can sign in (not disabled)."""
    keys: int
    """API keys not revoked."""


class Suspension(Input):
    """Suspend a chain: why (its people read it when they are turned away)."""

    reason: ShortText


class FirstUser(Input):
    """The chain's first person: they sign in with a one-time password shown once."""

    login: Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
    """A mobile number (0912 345 678) or an e-mail address."""
    display_name: ShortText
    language: Literal["vi", "en"] = "vi"


class ChainOnboarding(Input):
    """A chain and its first person, created together (or neither)."""

    chain: ChainCreate
    first_user: FirstUser


class Onboarded(msgspec.Struct, frozen=True):
    chain: Chain
    user: User
    one_time_password: str
    """Shown this once: the person changes it at the first sign-in."""


class StoreCreate(Input):
    """A store (or a distribution centre) of a chain, where deliveries are received."""

    name: ShortText
    province: ShortText
    commune: ShortText
    address_line: ShortText | None = None
    gln: Gln | None = None
    """The store's GS1 GLN, if it has one."""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    """Where the store is: shoppers' scans near it are expected, and weigh less in the clone
    rules than scans elsewhere."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_location(self.latitude, self.longitude)
        if self.gln is not None:
            check_gln(self.gln)


class StorePatch(Input):
    name: ShortText | UnsetType = UNSET
    province: ShortText | UnsetType = UNSET
    commune: ShortText | UnsetType = UNSET
    address_line: ShortText | UnsetType | None = UNSET
    gln: Gln | UnsetType | None = UNSET
    latitude: Latitude | UnsetType | None = UNSET
    longitude: Longitude | UnsetType | None = UNSET


class Store(msgspec.Struct, frozen=True):
    id: int
    chain_id: int
    name: str
    gln: str | None
    province: str
    commune: str
    address_line: str | None
    latitude: float | None
    longitude: float | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def address(self) -> str:
        """As a person writes it: street, commune, province."""
        return ", ".join(p for p in (self.address_line, self.commune, self.province) if p)
