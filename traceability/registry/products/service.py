"""The rules for products and their certifications, shared by ``/api/v1/products`` and the
portal's pages."""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.registry.access import acting_cooperative, check_owner
from traceability.registry.products import repository as products
from traceability.registry.products.schemas import (
    Certification,
    CertificationCreate,
    Product,
    ProductCreate,
    ProductPatch,
)
from traceability.registry.types import apply_patch


async def create_product(
    conn: asyncpg.Connection, principal: Principal, data: ProductCreate
) -> Product:
    cooperative_id = acting_cooperative(principal, data.cooperative_id)
    created = await products.insert(conn, cooperative_id, data)
    await record(
        conn, principal, "create", "product", created.id,
        cooperative_id=cooperative_id, after=created,
    )  # fmt: skip
    return created


async def owned_product(conn: asyncpg.Connection, principal: Principal, product_id: int) -> Product:
    """A product the caller may change; another cooperative's product reads as missing."""
    found = await products.get(conn, product_id)
    check_owner(principal, found.cooperative_id, f"No product {product_id}.")
    return found


async def update_product(
    conn: asyncpg.Connection, principal: Principal, product_id: int, data: ProductPatch
) -> Product:
    before = await owned_product(conn, principal, product_id)
    after = await products.update(conn, product_id, apply_patch(before, data, ProductCreate))
    await record(
        conn, principal, "update", "product", product_id,
        cooperative_id=before.cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after


async def delete_product(conn: asyncpg.Connection, principal: Principal, product_id: int) -> None:
    before = await owned_product(conn, principal, product_id)
    await products.delete(conn, product_id)
    await record(
        conn, principal, "delete", "product", product_id,
        cooperative_id=before.cooperative_id, before=before,
    )  # fmt: skip


async def add_certification(
    conn: asyncpg.Connection, principal: Principal, product_id: int, data: CertificationCreate
) -> Certification:
    product = await owned_product(conn, principal, product_id)
    created = await products.insert_certification(conn, product_id, data)
    await record(
        conn, principal, "create", "product_certification", created.id,
        cooperative_id=product.cooperative_id, after=created,
    )  # fmt: skip
    return created


async def delete_certification(
    conn: asyncpg.Connection, principal: Principal, product_id: int, certification_id: int
) -> None:
    product = await owned_product(conn, principal, product_id)
    gone = await products.delete_certification(conn, product_id, certification_id)
    await record(
        conn, principal, "delete", "product_certification", certification_id,
        cooperative_id=product.cooperative_id, before=gone,
    )  # fmt: skip
