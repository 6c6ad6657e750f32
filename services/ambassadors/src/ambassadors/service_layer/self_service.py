"""A member looking after themselves: their profile and availability, their visits, and their totals."""

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from ambassadors.domain.availability import OSLO
from ambassadors.domain.members import Member
from ambassadors.domain.my_visits import MemberStats, MyVisit, school_year_start
from ambassadors.service_layer.members import get_member, update_member
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.errors import Invalid

SELF_EDITABLE = frozenset(
    {
        "name",
        "phone",
        "email",
        "languages",
        "notice_language",
        "weekdays",
        "times_of_day",
        "unavailable",
        "max_visits_per_month",
        "travel_radius_km",
    }
)
"""What a member may change about themselves (profession, municipality and employer stay the organisers')."""


@dataclass(frozen=True)
class MyVisits:
    """The member's visits not over yet (soonest first) and past ones they were on (latest first)."""

    upcoming: list[MyVisit]
    past: list[MyVisit]


async def get_me(uow: AmbassadorsUnit, member_id: str) -> Member:
    """The calling member's profile (404 once erased)."""
    return await get_member(uow, member_id)


async def update_me(uow: AmbassadorsUnit, member_id: str, changes: dict[str, Any]) -> Member:
    """Change the member's own details and availability (only SELF_EDITABLE fields); the new snapshot is published
    on the members topic, as when an organiser changes them."""
    for name in sorted(set(changes) - SELF_EDITABLE):  # the request body has no such field: a caller's mistake
        raise Invalid(f"{name}: only an organiser can change it", field=name)
    return await update_member(uow, member_id, changes)


async def my_visits(uow: AmbassadorsUnit, member_id: str, *, past_limit: int) -> MyVisits:
    """The member's upcoming visits (offered or accepted) and the latest `past_limit` past ones they were on."""
    await get_member(uow, member_id)
    views = uow.member_views
    upcoming = await views.visits(member_id, now=uow.now, upcoming=True, limit=1000)
    past = await views.visits(member_id, now=uow.now, upcoming=False, limit=past_limit)
    return MyVisits(upcoming, past)


async def my_stats(uow: AmbassadorsUnit, member_id: str) -> MemberStats:
    """Visits done and pupils reached, from the visits reported: this school year and all time."""
    await get_member(uow, member_id)
    first_day = school_year_start(uow.now)
    year, ever = await uow.member_views.totals(member_id, since=datetime.combine(first_day, time(), OSLO))
    return MemberStats(first_day, year, ever)
