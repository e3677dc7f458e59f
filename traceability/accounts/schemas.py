"""What the account endpoints and forms take and give: API keys and people."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from traceability.accounts.repository import Role
from traceability.accounts.users import User
from traceability.inputs import Id, Input

KeyName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
Login = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
"""A mobile number or e-mail address as typed; the service normalises and checks it."""
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Language = Literal["vi", "en"]


class ApiKeyCreate(Input):
    name: KeyName
    role: Role
    cooperative_id: Id | None = None
    """A cooperative's key names its cooperative."""
    chain_id: Id | None = None
    """A retailer's key names its supermarket chain."""


class UserCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A new person's account. A cooperative's (or a chain's) user may leave out
    ``cooperative_id`` (``chain_id``): the new colleague joins the caller's own."""

    login: Login
    display_name: DisplayName
    role: Role
    cooperative_id: Id | None = None
    language: Language = "vi"
    chain_id: Id | None = None


class NewUser(msgspec.Struct, frozen=True):
    """A created (or reset) account and its one-time password, shown this once."""

    user: User
    one_time_password: str


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    display_name: DisplayName
    language: Language


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``current_password`` is not asked for right after signing in with a one-time password."""

    new_password: Password
    confirm_password: Password
    current_password: Password | None = None
