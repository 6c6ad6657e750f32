"""Answering offers and following a visit's changes, on a unit of work in memory (no database, no Kafka)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ambassadors_fakes import FakeCandidates, FakeMembers, FakeOffers, FakeTimers, FakeVisits

from ambassadors.domain.availability import Candidate
from ambassadors.domain.members import Member, MemberFields
from ambassadors.domain.offers import Offer, OfferStatus
from ambassadors.domain.visits import Visit
from ambassadors.service_layer import answers, visits
from ambassadors.service_layer.staffing import OFFER_EXPIRY, TEAM_SEARCH
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_dev.testing.fakes import emitted, emitted_keys, in_memory
from outreach_shared.contracts.ambassadors import (
    MemberReleased,
    OfferAccepted,
    OfferDeclined,
    OfferMade,
    OfferWithdrawn,
    TeamConfirmed,
)
from outreach_shared.contracts.booking import VisitCancelled, VisitRequested
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.errors import NotFound

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
WINDOW = TimeWindow(start=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), end=datetime(2026, 3, 10, 11, 0, tzinfo=UTC))


def member(member_id: str, name: str) -> Member:
    fields = MemberFields.model_construct(name=name, profession="nurse", kommunenummer="5001", languages=["nb"])
    return Member(id=member_id, fields=fields, fylke="Trøndelag")


def candidate(member_id: str) -> Candidate:
    return Candidate(member_id=member_id, profession="nurse", municipality_name="Trondheim", same_municipality=True,
                     distance_km=0.0, travel_radius_km=50, languages=frozenset({"nb"}),
                     weekdays=frozenset(range(1, 8)), unavailable_dates=frozenset(),
                     max_visits_per_month=4)  # fmt: skip


def visit(team_size: int = 1, **kw: Any) -> Visit:
    request = VisitRequested(visit_id="v1", orgnr="123456785", school_name="Skole", school_address="Vei 1",
                             kommunenummer="5001", kind="school_visit", audience_description="10. trinn", pupils=25,
                             professions=["nurse"], language="nb", windows=[WINDOW], team_size=team_size)  # fmt: skip
    return Visit(id="v1", request=request, window=WINDOW, **kw)


def offer(offer_id: str, member_id: str, status: OfferStatus = "offered") -> Offer:
    return Offer(offer_id, "v1", member_id, 1, status, WINDOW, NOW + timedelta(hours=48), "nearest")


def unit(v: Visit, *offers: Offer, members: tuple[Member, ...] = (), candidates: tuple[Candidate, ...] = ()) -> Any:
    return in_memory(AmbassadorsUnit, now=NOW, visits=FakeVisits(v), offers=FakeOffers(*offers),
                     members=FakeMembers(*members), candidates=FakeCandidates(*candidates),
                     timers=FakeTimers())  # fmt: skip


class TestAccept:
    async def test_accepting_the_last_seat_confirms_the_team(self) -> None:
        uow = unit(visit(), offer("o1", "m1"), members=(member("m1", "Kari Nordmann"),))

        accepted = await answers.accept(uow, "o1", member_id="m1")

        assert accepted.status == "accepted" and accepted.id == "o1"
        assert emitted(uow) == [
            OfferAccepted(offer_id="o1", visit_id="v1", member_id="m1"),
            TeamConfirmed(visit_id="v1", window=WINDOW,
                          members=[TeamMember(member_id="m1", profession="nurse")], round=1),
        ]  # fmt: skip
        assert {key for _, key in emitted_keys(uow)} == {"v1"}
        assert uow.visits.by_id["v1"].status == "confirmed"
        assert uow.offers.by_id["o1"].status == "accepted"
        assert (OFFER_EXPIRY, "v1/o1") in uow.timers.cancelled

    async def test_accepting_one_of_two_seats_waits_for_the_other(self) -> None:
        uow = unit(visit(team_size=2), offer("o1", "m1"), offer("o2", "m2"))

        await answers.accept(uow, "o1", member_id="m1")

        assert emitted(uow) == [OfferAccepted(offer_id="o1", visit_id="v1", member_id="m1")]
        assert uow.visits.by_id["v1"].status == "open"

    async def test_accepting_again_changes_nothing(self) -> None:
        uow = unit(visit(), offer("o1", "m1", "accepted"))

        again = await answers.accept(uow, "o1", member_id="m1")

        assert again.status == "accepted" and emitted(uow) == [] and uow.timers.cancelled == []

    async def test_someone_elses_offer_is_not_found(self) -> None:
        uow = unit(visit(), offer("o1", "m1"))

        with pytest.raises(NotFound):
            await answers.accept(uow, "o1", member_id="m2")
        assert emitted(uow) == [] and uow.offers.by_id["o1"].status == "offered"


class TestDecline:
    async def test_declining_offers_the_seat_to_the_next_free_member(self) -> None:
        uow = unit(visit(), offer("o1", "m1"), candidates=(candidate("m1"), candidate("m2")))

        declined = await answers.decline(uow, "o1", member_id="m1", reason="exam that day")

        assert declined.status == "declined" and declined.decline_reason == "exam that day"
        declined_event, made = emitted(uow)
        assert declined_event == OfferDeclined(offer_id="o1", visit_id="v1", member_id="m1", reason="exam that day")
        assert isinstance(made, OfferMade) and made.member_id == "m2" and made.window == WINDOW
        assert made.expires_at == NOW + timedelta(hours=48)
        assert uow.offers.by_id[made.offer_id].status == "offered"
        assert uow.timers.pending == {(OFFER_EXPIRY, f"v1/{made.offer_id}"): made.expires_at}


class TestVisitCancelled:
    async def test_cancelling_releases_the_accepted_and_withdraws_the_offered(self) -> None:
        uow = unit(visit(team_size=2), offer("o1", "m1", "accepted"), offer("o2", "m2"))
        cancelled = VisitCancelled(visit_id="v1", reason="school closed", cancelled_by="school",
                                   was_confirmed=False, late=False)  # fmt: skip

        await visits.visit_cancelled(uow, cancelled)

        reason = "the visit was cancelled: school closed"
        assert emitted(uow) == [
            MemberReleased(visit_id="v1", member_id="m1", reason=reason, window=WINDOW),
            OfferWithdrawn(offer_id="o2", visit_id="v1", member_id="m2", reason=reason),
        ]
        assert [o.status for o in uow.offers.by_id.values()] == ["released", "withdrawn"]
        assert uow.visits.by_id["v1"].status == "cancelled"
        assert (TEAM_SEARCH, "v1") in uow.timers.cancelled

    async def test_a_cancelled_visit_is_not_cancelled_twice(self) -> None:
        uow = unit(visit(status="cancelled"), offer("o1", "m1", "released"))

        await visits.visit_cancelled(uow, VisitCancelled(visit_id="v1", reason="again", cancelled_by="school",
                                                         was_confirmed=False, late=False))  # fmt: skip

        assert emitted(uow) == [] and uow.timers.cancelled == []
