"""FastAPI dependencies: the unit of work over the runtime's pool, and who is calling."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from pydantic import BaseModel

from ambassadors.domain.ids import is_uuid
from ambassadors.service_layer.unit_of_work import Work
from ambassadors.settings import AmbassadorsSettings, get_settings
from outreach_shared.auth import Principal
from outreach_shared.errors import Forbidden
from outreach_shared.http import principal_dependency, require_role
from outreach_shared.outbox import enqueue
from outreach_shared.runtime import Runtime

CurrentPrincipal = Annotated[
    Principal, Depends(principal_dependency(lambda: get_settings().jwt_secret.get_secret_value()))
]


def organiser(principal: CurrentPrincipal) -> Principal:
    """The caller must be an organiser (403 otherwise)."""
    return require_role(principal, "organiser")


def member_id(principal: CurrentPrincipal) -> str:
    """The calling member's id (403 for other roles)."""
    require_role(principal, "member")
    if not principal.member_id or not is_uuid(principal.member_id):
        raise Forbidden("the member token carries no valid member id")
    return str(UUID(principal.member_id))


Organiser = Annotated[Principal, Depends(organiser)]
MemberId = Annotated[str, Depends(member_id)]


class UnitOfWork:
    """Opens a transaction on the runtime's pool for one request's use case."""

    def __init__(self, request: Request) -> None:
        self.runtime: Runtime = request.app.state.runtime  # get_runtime is an async dependency now
        self.correlation_id: str = request.state.correlation_id

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Work]:
        """A Work whose events go to the outbox in the same transaction."""
        settings = self.runtime.settings
        assert isinstance(settings, AmbassadorsSettings)
        async with self.runtime.pool.acquire() as conn, conn.transaction():

            async def emit(event: BaseModel, key: str) -> None:
                await enqueue(conn, self.runtime.envelope(event, key=key, correlation_id=self.correlation_id))

            yield Work(conn, emit, self.correlation_id, settings.matching_config())


UoW = Annotated[UnitOfWork, Depends(UnitOfWork)]
