"""The service's FastAPI dependencies: a unit of work per request, and the calling member's id."""

from typing import Annotated

from fastapi import Depends

from outreach_shared.skeleton import Begin as BeginUnit
from outreach_shared.skeleton import MemberCaller, begin
from training.service_layer.unit_of_work import TrainingUnit

Begin = Annotated[BeginUnit[TrainingUnit], Depends(begin)]
"""Opens the training unit of work: `async with begin() as uow:` is one transaction with its events."""


async def calling_member(caller: MemberCaller) -> str:
    """The calling member's id (the kit's caller refuses a member token without a valid one with 403)."""
    return str(caller.member_id)


MemberId = Annotated[str, Depends(calling_member)]
