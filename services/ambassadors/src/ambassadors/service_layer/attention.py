"""The attention list: what about visits and offers needs an organiser now."""

from ambassadors.domain.attention import Attention
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.regions import NATIONAL, Region


async def attention(uow: AmbassadorsUnit, *, region: Region = NATIONAL, limit: int = 200) -> list[Attention]:
    """Unfulfilled visits, offers expiring unanswered within 24 h, confirmed teams short a member less than 48 h
    ahead, and visits ended over 24 h ago without a report, in the region, soonest first."""
    return await uow.attention.items(now=uow.now, region=region, limit=limit)
