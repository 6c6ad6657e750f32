"""The gatherings' part of organisers' attention list: places offered from the waiting list, not yet answered."""

from dataclasses import dataclass
from datetime import datetime

from outreach_shared.regions import NATIONAL, Region
from training.adapters.registrations import offered_places
from training.domain.gathering import GatheringStatus
from training.service_layer.unit_of_work import TrainingUnit


@dataclass(frozen=True)
class GatheringAttention:
    """A gathering with places offered and unanswered (the item shape of ambassadors' `GET /v1/visits/attention`)."""

    gathering_id: str
    kommunenummer: str
    when: datetime
    why: str


async def attention(uow: TrainingUnit, *, region: Region = NATIONAL) -> list[GatheringAttention]:
    """Published gatherings of the region with places offered and not yet taken, the first to lapse first."""
    offered = await offered_places(uow.conn)
    if not offered:
        return []
    items = [
        GatheringAttention(
            g.id,
            g.venue.kommunenummer,
            offered[g.id][1],
            f"{offered[g.id][0]} place(s) offered from the waiting list and not yet taken; "
            f"the first lapses {offered[g.id][1].isoformat()} ({g.title})",
        )
        for g in await uow.gatherings.list_all(status=GatheringStatus.PUBLISHED)
        if g.id in offered and g.within(region)
    ]
    return sorted(items, key=lambda i: (i.when, i.gathering_id))
