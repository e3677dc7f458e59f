"""Cartons over HTTP: a cooperative records which stamped items it packed into which SSCC."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from traceability import clock
from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.deps import Caller, Conn
from traceability.errors import NotFound
from traceability.inputs import PathId
from traceability.packing import repository, service
from traceability.packing.schemas import Carton, CartonCreate, Sscc, Unpacking, check_sscc


class CartonController(Controller):
    path = "/api/v1/cartons"
    tags = ["packing"]
    guards = [AUTHENTICATED]  # reading; packing and unpacking also need WRITERS

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[WRITERS],
        summary="Record a carton (SSCC) and the stamped items packed into it",
        description=(
            "Each range of serials must lie in one of the cooperative's stamp batches and carry "
            "one lot (the lot its stamps were activated on, else the batch's). A stamp is in one "
            "carton at a time (409 otherwise). The lot's EPCIS export shows the carton as an "
            "AggregationEvent (ADD, then DELETE once unpacked)."
        ),
    )
    async def pack(self, conn: Conn, principal: Caller, data: JSONBody[CartonCreate]) -> Carton:
        return await service.pack(conn, principal, data, clock.now())

    @get("/{carton_id:int}", summary="A carton and its contents")
    async def get_carton(self, conn: Conn, carton_id: PathId) -> Carton:
        return await service.get(conn, carton_id)

    @get(
        "/sscc/{sscc:str}",
        summary="The carton with this SSCC (what a receiving dock scans)",
    )
    async def by_sscc(self, conn: Conn, sscc: Sscc) -> Carton:
        missing = f"No carton with SSCC {sscc[:18]!r}."
        try:
            check_sscc(sscc)
        except (ValueError, IndexError):
            raise NotFound(missing) from None
        carton = await repository.find_by_sscc(conn, sscc)
        if carton is None:
            raise NotFound(missing)
        return carton

    @post(
        "/{carton_id:int}/unpack",
        status_code=HTTP_200_OK,
        guards=[WRITERS],
        summary="Unpack a carton: its stamps may be packed again",
    )
    async def unpack(
        self, conn: Conn, principal: Caller, carton_id: PathId, data: JSONBody[Unpacking]
    ) -> Carton:
        return await service.unpack(conn, principal, carton_id, data.unpacked_at, clock.now())


ROUTES = [CartonController]
