"""Offer answers and team settlement rules."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ambassadors.domain.offers import Offer
from ambassadors.domain.visits import Visit
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, Forbidden

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
WINDOW = TimeWindow(start=NOW + timedelta(days=7), end=NOW + timedelta(days=7, hours=2))


def offer(status: str = "offered", member: str = "m1", round_: int = 1) -> Offer:
    return Offer("o1", "v1", member, round_, status, WINDOW, NOW + timedelta(hours=48), "why")  # type: ignore[arg-type]


def visit(**kw: object) -> Visit:
    request = VisitRequested(
        visit_id="v1",
        orgnr="123456785",
        school_name="Skole",
        school_address="Vei 1",
        kommunenummer="5001",
        kind="school_visit",
        audience_description="10. trinn",
        pupils=25,
        professions=["nurse"],
        language="nb",
        windows=[WINDOW],
        team_size=2,
    )
    return Visit(id="v1", request=request, window=WINDOW, **kw)  # type: ignore[arg-type]


def test_only_the_offered_member_may_answer() -> None:
    with pytest.raises(Forbidden):
        offer().answer("someone-else", "accepted", NOW)


def test_answering_twice_the_same_way_changes_nothing() -> None:
    accepted = offer("accepted")
    assert accepted.answer("m1", "accepted", NOW) is accepted


@pytest.mark.parametrize("status", ["expired", "withdrawn", "released"])
def test_closed_offers_cannot_be_answered(status: str) -> None:
    with pytest.raises(Conflict, match=status[:6]):
        offer(status).answer("m1", "accepted", NOW)


def test_changing_an_answer_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="already declined"):
        offer("declined").answer("m1", "accepted", NOW)


def test_an_offer_past_its_deadline_cannot_be_accepted() -> None:
    with pytest.raises(Conflict, match="expired"):
        offer().answer("m1", "accepted", NOW + timedelta(hours=49))


def test_decline_keeps_the_reason() -> None:
    declined = offer().answer("m1", "declined", NOW, "exam that day")
    assert declined.status == "declined" and declined.decline_reason == "exam that day"


def test_team_is_confirmed_when_every_seat_is_accepted() -> None:
    v = visit()
    one = [offer("accepted", "m1"), offer("offered", "m2")]
    assert v.after_answers(one) == (v, None)
    settled, event = v.after_answers([offer("accepted", "m1"), offer("accepted", "m2")])
    assert event == "confirmed" and settled.status == "confirmed" and settled.confirmed_once


def test_a_refilled_confirmed_team_is_a_change() -> None:
    v = visit(confirmed_once=True)
    _, event = v.after_answers([offer("accepted", "m1"), offer("accepted", "m3")])
    assert event == "changed"


def test_a_rescheduled_confirmed_visit_is_confirmed_again_not_changed() -> None:
    confirmed, _ = visit().after_answers([offer("accepted", "m1"), offer("accepted", "m2")])
    rescheduled = confirmed.rescheduled(confirmed.request)
    assert rescheduled.round == 2 and not rescheduled.confirmed_once
    new_round = [offer("accepted", "m1", round_=2), offer("accepted", "m2", round_=2)]
    settled, event = replace(rescheduled, window=WINDOW).after_answers(new_round)
    assert event == "confirmed" and settled.status == "confirmed"


def test_open_seats_count_only_the_current_round() -> None:
    v = visit(round=2)
    assert v.open_seats([offer("accepted", "m1", round_=1), offer("offered", "m2", round_=2)]) == 1
