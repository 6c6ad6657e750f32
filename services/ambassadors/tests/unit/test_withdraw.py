"""A member withdrawing from a seat they accepted, on a unit of work in memory: the seat is offered to the next best
member as when a member leaves, the visit is given up only when nobody can be found, and late ones are flagged."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from test_use_cases_in_memory import NOW, WINDOW, candidate, member, offer, unit, visit

from ambassadors.service_layer import answers
from ambassadors.service_layer.staffing import staff_visit
from outreach_dev.testing.fakes import emitted
from outreach_shared.contracts.ambassadors import MemberReleased, NoTeamAvailable, OfferMade, OfferWithdrawn
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, NotFound

KARI, OLA, EVA = "m1", "m2", "m3"


def confirmed_team(*candidates: Any, team_size: int = 2) -> Any:
    """A confirmed visit whose team is Kari (o1) and Ola (o2)."""
    return unit(visit(team_size=team_size, status="confirmed", confirmed_once=True),
                offer("o1", KARI, "accepted"), offer("o2", OLA, "accepted"),
                members=(member(KARI, "Kari Nordmann"), member(OLA, "Ola Nordmann"), member(EVA, "Eva Hansen")),
                candidates=candidates)  # fmt: skip


async def test_withdrawing_releases_the_member_and_offers_the_seat_to_the_next_best() -> None:
    uow = confirmed_team(candidate(KARI), candidate(EVA))

    withdrawn = await answers.withdraw(uow, "o1", member_id=KARI, reason="new shift plan")

    assert withdrawn.status == "withdrawn" and withdrawn.decline_reason == "new shift plan"
    flagged, released, made = emitted(uow)
    assert flagged == OfferWithdrawn(offer_id="o1", visit_id="v1", member_id=KARI, reason="new shift plan",
                                     by_member=True, late=False, window=WINDOW)  # fmt: skip
    assert released == MemberReleased(visit_id="v1", member_id=KARI, reason="you withdrew", window=WINDOW)
    assert isinstance(made, OfferMade) and made.member_id == EVA and made.window == WINDOW
    assert uow.offers.by_id["o1"].status == "withdrawn" and uow.offers.by_id["o2"].status == "accepted"
    assert uow.visits.by_id["v1"].status == "open" and uow.visits.by_id["v1"].confirmed_once


async def test_with_nobody_to_step_in_the_rest_of_the_team_is_released_and_booking_told() -> None:
    uow = confirmed_team(candidate(KARI))  # Kari herself is excluded this round: nobody else fits

    await answers.withdraw(uow, "o1", member_id=KARI, reason="ill")

    events = emitted(uow)
    assert [type(e) for e in events] == [OfferWithdrawn, MemberReleased, NoTeamAvailable]
    assert isinstance(events[2], NoTeamAvailable) and "no replacement found" in events[2].reason
    assert uow.offers.by_id["o2"].status == "accepted"  # booking asks to release the rest once it gives up


async def test_a_withdrawal_less_than_48_hours_ahead_is_late() -> None:
    soon = TimeWindow(start=NOW + timedelta(hours=47), end=NOW + timedelta(hours=49))
    uow = confirmed_team(candidate(EVA), team_size=2)
    for o in list(uow.offers.by_id.values()):
        uow.offers.by_id[o.id] = replace(o, window=soon)
    uow.visits.by_id["v1"] = replace(uow.visits.by_id["v1"], window=soon)

    await answers.withdraw(uow, "o1", member_id=KARI, reason="ill")

    flagged = emitted(uow)[0]
    assert isinstance(flagged, OfferWithdrawn) and flagged.late and flagged.window == soon


@pytest.mark.parametrize("status", ["offered", "declined", "expired", "withdrawn", "released"])
async def test_only_an_accepted_offer_can_be_withdrawn(status: str) -> None:
    uow = unit(visit(), offer("o1", KARI, status))  # type: ignore[arg-type]

    with pytest.raises(Conflict, match="only an accepted offer"):
        await answers.withdraw(uow, "o1", member_id=KARI, reason="x")
    assert emitted(uow) == []


async def test_no_withdrawal_once_the_visit_has_started() -> None:
    uow = confirmed_team(candidate(EVA))
    uow.scope.now = WINDOW.start

    with pytest.raises(Conflict, match="started"):
        await answers.withdraw(uow, "o1", member_id=KARI, reason="x")
    assert emitted(uow) == [] and uow.offers.by_id["o1"].status == "accepted"


async def test_someone_elses_offer_is_not_found() -> None:
    uow = confirmed_team()

    with pytest.raises(NotFound):
        await answers.withdraw(uow, "o1", member_id=OLA, reason="x")
    assert emitted(uow) == []


async def test_a_second_search_that_finds_nobody_again_does_not_tell_booking_twice() -> None:
    uow = unit(visit(team_size=2), offer("o1", "m1", "accepted"), members=(member("m1", "Kari Nordmann"),))
    first = await staff_visit(uow, uow.visits.by_id["v1"])
    await staff_visit(uow, first)  # the team search's timer, or an expiry, searching again with nobody new

    told = [e for e in emitted(uow) if isinstance(e, NoTeamAvailable)]
    assert len(told) == 1 and first.unfulfilled == told[0].reason
