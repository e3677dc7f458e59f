"""Demo people: one account per role, with published passwords, so a newcomer can sign in.

These credentials are printed by ``traceability demo`` and are for a demo database only.
The authority's second factor uses a published TOTP secret and published recovery codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from traceability.accounts import passwords, totp
from traceability.accounts import users as people
from traceability.accounts.logins import normalise_login
from traceability.accounts.repository import Role
from traceability.chains.demo import seed_chain

DEMO_TOTP_SECRET = "DEMOHAGIANGTEMTHONGMINH234567ABC"  # noqa: S105 (published demo key)
"""Published on purpose (base32, 32 characters): add it to an authenticator app."""
DEMO_RECOVERY_CODES = ("demo1-tinh1", "demo2-tinh2", "demo3-tinh3")
"""Published on purpose; each works once per ``traceability demo`` start."""


@dataclass(frozen=True, slots=True)
class DemoPerson:
    role: Role
    login: str
    password: str
    name: str
    cooperative_slug: str | None = None
    in_demo_chain: bool = False


DEMO_PEOPLE = (
    DemoPerson("authority", "so-khcn@demo.hagiang.vn", "demo-tinh-ha-giang", "Sở KH&CN (demo)"),
    DemoPerson(
        "cooperative", "0912 000 001", "demo-htx-anh-tai", "Nguyễn Văn Tài (demo)", "cam_sanh"
    ),
    DemoPerson(
        "retailer", "kho@demo-sieuthi.vn", "demo-sieu-thi", "Kho siêu thị (demo)", None, True
    ),
)


async def seed_people(conn: asyncpg.Connection, cooperatives: dict[str, int]) -> None:
    """Create (or reset) the demo accounts: known passwords, no password change asked."""
    for person in DEMO_PEOPLE:
        login = normalise_login(person.login)
        cooperative_id = cooperatives.get(person.cooperative_slug or "")
        chain_id = await seed_chain(conn) if person.in_demo_chain else None
        hashed = await passwords.hash_password(person.password)
        existing = await people.credentials_by_login(conn, login)
        if existing is not None:
            user_id = existing.id
        else:
            user = await people.insert_user(
                conn,
                login=login,
                display_name=person.name,
                role=person.role,
                cooperative_id=cooperative_id,
                language="vi",
                password_hash=hashed,
                created_by_user_id=None,
                chain_id=chain_id,
            )
            user_id = user.id
        await people.set_password(conn, user_id, hashed, temporary=False)
        await people.set_disabled(conn, user_id, False)
        if person.role == "authority":
            await people.set_totp(conn, user_id, DEMO_TOTP_SECRET, None)
            await people.replace_recovery_codes(
                conn, user_id, [totp.recovery_hash(c) for c in DEMO_RECOVERY_CODES]
            )


def sign_in_help(base_url: str, now: datetime) -> str:
    """What ``traceability demo`` prints: how to sign in as each demo person."""
    lines = [
        "",
        "DEMO CREDENTIALS (demo data only; never use these on a real service)",
        f"Portal: {base_url}/portal/login",
    ]
    for person in DEMO_PEOPLE:
        lines.append(f"  {person.role:<12} login {person.login!r:<28} password {person.password!r}")
    lines += [
        "  The authority also gives a 6-digit code: add this key to an authenticator app",
        f"    {DEMO_TOTP_SECRET}  (code right now: {totp.current_code(DEMO_TOTP_SECRET, now)})",
        f"    or use a recovery code: {', '.join(DEMO_RECOVERY_CODES)}",
        "",
    ]
    return "\n".join(lines)
