"""What the service does on each event it consumes and each timer it set: the registry of handlers."""

from ambassadors.service_layer import answers, members, visits
from ambassadors.service_layer.staffing import OFFER_EXPIRY, TEAM_SEARCH
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitCompleted,
    VisitRequested,
    VisitRescheduled,
)
from outreach_shared.contracts.training import GatheringCompleted
from outreach_shared.skeleton import Registry
from outreach_shared.timers import Timer


async def on_gathering_completed(uow: AmbassadorsUnit, event: GatheringCompleted) -> None:
    """Members checked in at the gathering are trained this year."""
    await members.mark_trained(uow, event.trained_member_ids, event.year)


async def on_offer_expiry(uow: AmbassadorsUnit, timer: Timer) -> None:
    """An offer's deadline passed."""
    await answers.expire_offer(uow, str(timer.payload["offer_id"]))


async def on_team_search(uow: AmbassadorsUnit, timer: Timer) -> None:
    """Time to look again for the visit's unfilled seats."""
    await answers.search_again(uow, timer.key)


REGISTRY = Registry[AmbassadorsUnit](
    events={
        VisitRequested: visits.visit_requested,
        VisitCancelled: visits.visit_cancelled,
        VisitRescheduled: visits.visit_rescheduled,
        TeamReleaseRequested: visits.team_release_requested,
        VisitCompleted: visits.visit_completed,
        GatheringCompleted: on_gathering_completed,
    },
    timers={OFFER_EXPIRY: on_offer_expiry, TEAM_SEARCH: on_team_search},
)
