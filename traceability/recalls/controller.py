"""Lot recalls over HTTP."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.deps import Caller, Conn, OnCommit
from traceability.inputs import PathId
from traceability.recalls import service
from traceability.recalls.schemas import LotRecall, RecallCreate
from traceability.scanning.service import Cache


class RecallController(Controller):
    path = "/api/v1/lots/{lot_id:int}/recall"
    tags = ["registry: lots"]
    guards = [AUTHENTICATED]

    @post(
        "/",
        guards=[WRITERS],
        status_code=201,
        summary="Recall a lot: every stamp of it then says so to whoever scans it",
    )
    async def recall_lot(
        self,
        conn: Conn,
        principal: Caller,
        cache: Cache,
        after_commit: OnCommit,
        lot_id: PathId,
        data: JSONBody[RecallCreate],
    ) -> LotRecall:
        recall = await service.recall_lot(conn, principal, lot_id, data)
        # This worker's scans show it at once; other workers' within the cache's lifetime.
        after_commit(lambda: cache.forget_origin(recall.product_id))
        return recall

    @get("/", summary="A lot's recall (404 if it is not recalled)")
    async def get_recall(self, conn: Conn, principal: Caller, lot_id: PathId) -> LotRecall:
        return await service.lot_recall(conn, lot_id)
