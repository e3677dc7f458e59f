"""The demo chain's first delivery: a dozen boxes of HTX Anh Tài's cam sành received at its
Hà Nội warehouse two days ago, recorded as a clerk records one (the receiving service, which
checks every stamp), so the retailer's deliveries, the lot's timeline for the cooperative and
the chain, and the clone rules' expected places are not empty in the demo."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import asyncpg

from stamps import KeyRing, issue
from traceability import clock
from traceability.accounts.demo import DEMO_PEOPLE
from traceability.accounts.logins import normalise_login
from traceability.accounts.repository import Principal
from traceability.accounts.users import credentials_by_login
from traceability.chains import repository as chains
from traceability.chains.demo import seed_chain
from traceability.deliveries import repository as deliveries
from traceability.deliveries.schemas import DeliveryCreate
from traceability.deliveries.service import record_delivery
from traceability.stamping import repository as stamping
from traceability.verification.service import BulkVerifier

BOXES = 12
WAREHOUSE = "Kho tổng Cầu Giấy"


async def seed_delivery(conn: asyncpg.Connection, ring: KeyRing, cooperative_id: int) -> None:
    """Once: a second ``demo`` start finds the chain's delivery and adds nothing."""
    chain_id = await seed_chain(conn)
    if await deliveries.list_for(
        conn, chain_id=chain_id, cooperative_id=None, lot_id=None, store_id=None,
        before=None, limit=1,
    ):  # fmt: skip
        return
    clerk = next(p for p in DEMO_PEOPLE if p.role == "retailer")
    person = await credentials_by_login(conn, normalise_login(clerk.login))
    found = await stamping.find_by_idempotency_key(conn, cooperative_id, "demo-cam_sanh")
    batch = await stamping.get_batch(conn, found["id"]) if found else None
    store = next((s for s in await chains.list_stores(conn, chain_id) if s.name == WAREHOUSE), None)
    if person is None or batch is None or store is None:
        return  # the demo's people, stamps or stores were not seeded: nothing to deliver
    # The first stamps are the demo's printed links (the genuine one, the copied one): these
    # boxes come after them.
    codes = [issue(batch.first_serial + 10 + i, ring).code for i in range(BOXES)]
    two_days_ago = clock.today() - timedelta(days=2)
    await record_delivery(
        conn,
        BulkVerifier(ring, workers=1),
        Principal(
            key_id=None, name=clerk.name, role="retailer", user_id=person.id, chain_id=chain_id
        ),
        DeliveryCreate(
            store_id=store.id,
            cooperative_id=cooperative_id,
            codes=codes,
            purchase_order="PO-2026-1128",
            received_at=datetime.combine(two_days_ago, time(7, 30), clock.VIETNAM),
            notes="12 thùng cam sành loại 1, 10 kg/thùng",
        ),
    )
