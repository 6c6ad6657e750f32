"""Organisers staffing by hand, on a unit of work in memory: the override offer, the rematch, the candidates' review."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ambassadors_fakes import FakeCandidates, FakeMembers, FakeOffers, FakeTimers, FakeVisits

from ambassadors.domain.availability import Candidate, Commitment, Policy
from ambassadors.domain.members import Member, MemberFields
from ambassadors.domain.offers import Offer, OfferStatus
from ambassadors.domain.review import review
from ambassadors.domain.visits import Visit
from ambassadors.service_layer import answers, manual_staffing
from ambassadors.service_layer.staffing import OFFER_EXPIRY, team_request
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_dev.testing.fakes import emitted, in_memory
from outreach_shared.contracts.ambassadors import NoTeamAvailable, OfferMade, TeamConfirmed
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, NotFound
from outreach_shared.regions import Region

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
WINDOW = TimeWindow(start=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), end=datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
TRONDELAG = Region.of(fylker=["50"])
NORDLAND = Region.of(fylker=["18"])


def member(member_id: str, *, kommunenummer: str = "5001", active: bool = True) -> Member:
    fields = MemberFields.model_construct(name=f"Nurse {member_id}", profession="nurse", kommunenummer=kommunenummer,
                                          languages=["nb"])  # fmt: skip
    return Member(id=member_id, fields=fields, fylke="50", active=active)


def candidate(member_id: str, **kw: Any) -> Candidate:
    values: dict[str, Any] = {"profession": "nurse", "municipality_name": "Trondheim", "same_municipality": True,
                              "distance_km": 0.0, "travel_radius_km": 50, "languages": frozenset({"nb"}),
                              "weekdays": frozenset(range(1, 8)), "unavailable_dates": frozenset(),
                              "max_visits_per_month": 4}  # fmt: skip
    return Candidate(member_id=member_id, **(values | kw))


def visit(team_size: int = 1, **kw: Any) -> Visit:
    request = VisitRequested(visit_id="v1", orgnr="123456785", school_name="Skole", school_address="Vei 1",
                             kommunenummer="5001", kind="school_visit", audience_description="10. trinn", pupils=25,
                             professions=["nurse"], language="nb", windows=[WINDOW], team_size=team_size)  # fmt: skip
    return Visit(id="v1", request=request, **kw)


def offer(offer_id: str, member_id: str, status: OfferStatus = "offered", round_: int = 1) -> Offer:
    return Offer(offer_id, "v1", member_id, round_, status, WINDOW, NOW + timedelta(hours=48), "nearest")


def unit(
    v: Visit,
    *offers: Offer,
    members: tuple[Member, ...] = (),
    candidates: tuple[Candidate, ...] = (),
    now: datetime = NOW,
) -> Any:
    return in_memory(AmbassadorsUnit, now=now, visits=FakeVisits(v), offers=FakeOffers(*offers),
                     members=FakeMembers(*members), candidates=FakeCandidates(*candidates),
                     timers=FakeTimers())  # fmt: skip


class TestOverride:
    async def test_offers_a_seat_to_a_member_matching_would_not_choose_recorded_as_an_override(self) -> None:
        uow = unit(visit(), members=(member("far", kommunenummer="5007"),))  # nobody in matching's reach

        made = await manual_staffing.offer_to(uow, "v1", member_id="far", note="knows the school", region=TRONDELAG)

        assert made.override and made.status == "offered" and made.window == WINDOW
        assert made.reason == "Offered by an organiser: knows the school"
        assert made.expires_at == NOW + timedelta(hours=48)
        (event,) = emitted(uow)
        assert isinstance(event, OfferMade) and event.override and event.member_id == "far"
        assert event.offer_id == made.id and event.reason == made.reason
        assert uow.offers.by_id[made.id] == made
        assert uow.visits.by_id["v1"].window == WINDOW
        assert uow.timers.pending == {(OFFER_EXPIRY, f"v1/{made.id}"): made.expires_at}

    @pytest.mark.parametrize(
        ("members", "offers", "detail"),
        [
            ((), (), "no member"),  # erased, or never on the roster
            ((member("m1", active=False),), (), "inactive"),
            ((member("m1", kommunenummer="1804"),), (), "no member"),  # outside the organiser's region
            ((member("m1"),), (offer("o1", "m1", "accepted"),), "already holds a seat"),
            ((member("m1"),), (offer("o1", "m2"),), "no open seat"),
        ],
    )
    async def test_refuses_hard_conflicts(
        self, members: tuple[Member, ...], offers: tuple[Offer, ...], detail: str
    ) -> None:
        uow = unit(visit(window=WINDOW), *offers, members=members)

        with pytest.raises(Conflict, match=detail):
            await manual_staffing.offer_to(uow, "v1", member_id="m1", note=None, region=TRONDELAG)
        assert emitted(uow) == [] and [o.id for o in uow.offers.by_id.values()] == [o.id for o in offers]

    async def test_a_visit_outside_the_region_is_not_found(self) -> None:
        uow = unit(visit(), members=(member("m1"),))

        with pytest.raises(NotFound):
            await manual_staffing.offer_to(uow, "v1", member_id="m1", note=None, region=NORDLAND)
        assert emitted(uow) == []

    async def test_a_visit_whose_windows_started_has_no_window_to_offer(self) -> None:
        uow = unit(visit(), members=(member("m1"),), now=WINDOW.start + timedelta(minutes=1))

        with pytest.raises(Conflict, match="started"):
            await manual_staffing.offer_to(uow, "v1", member_id="m1", note=None)

    async def test_an_unfulfilled_released_visit_is_offered_in_a_new_round(self) -> None:
        gone = visit(status="released", window=WINDOW, confirmed_once=True, unfulfilled="no replacement found")
        uow = unit(gone, offer("o1", "m9", "released"), members=(member("m1"),))

        made = await manual_staffing.offer_to(uow, "v1", member_id="m1", note=None)

        staffed = uow.visits.by_id["v1"]
        assert made.round == 2 == staffed.round and staffed.status == "open" and not staffed.confirmed_once
        assert staffed.unfulfilled is None and made.reason == "Offered by an organiser"


class TestRematch:
    async def test_a_wider_radius_reaches_a_member_beyond_their_own(self) -> None:
        far = candidate("m1", same_municipality=False, distance_km=80.0, travel_radius_km=50)

        narrow = unit(visit(), candidates=(far,))
        await manual_staffing.rematch(narrow, "v1")
        (nobody,) = emitted(narrow)
        assert isinstance(nobody, NoTeamAvailable) and narrow.visits.by_id["v1"].unfulfilled == nobody.reason

        wide = unit(visit(), candidates=(far,))
        done = await manual_staffing.rematch(wide, "v1", radius_km=100)
        (made,) = emitted(wide)
        assert isinstance(made, OfferMade) and made.member_id == "m1" and not made.override
        assert [o.member_id for o in done.offers] == ["m1"] and done.visit.unfulfilled is None

    async def test_an_unfulfilled_visit_starts_a_new_round_asking_earlier_decliners_again(self) -> None:
        v = visit(unfulfilled="no free nurse", window=WINDOW)
        uow = unit(v, offer("o1", "m1", "declined"), candidates=(candidate("m1"),))

        done = await manual_staffing.rematch(uow, "v1")

        assert done.visit.round == 2 and [(o.member_id, o.round) for o in done.offers] == [("m1", 2)]
        assert done.visit.unfulfilled is None and done.visit.window == WINDOW

    async def test_a_team_found_for_a_visit_given_up_after_confirmation_confirms_it_again(self) -> None:
        gone = visit(status="released", window=WINDOW, confirmed_once=True, unfulfilled="no replacement found")
        uow = unit(gone, offer("o1", "m1", "released"), members=(member("m2"),), candidates=(candidate("m2"),))

        done = await manual_staffing.rematch(uow, "v1")
        (made,) = done.offers
        await answers.accept(uow, made.id, member_id="m2")

        confirmed = emitted(uow)[-1]
        assert isinstance(confirmed, TeamConfirmed)  # booking takes an unfulfilled visit back only so, not TeamChanged
        assert [m.member_id for m in confirmed.members] == ["m2"] and confirmed.window == WINDOW
        assert uow.visits.by_id["v1"].status == "confirmed" and uow.visits.by_id["v1"].round == 2

    async def test_a_visit_with_open_seats_keeps_its_round_and_its_seats(self) -> None:
        uow = unit(visit(team_size=2, window=WINDOW), offer("o1", "m1", "accepted"), offer("o2", "m2", "declined"),
                   candidates=(candidate("m2"), candidate("m3")))  # fmt: skip

        done = await manual_staffing.rematch(uow, "v1")

        assert done.visit.round == 1 and [o.member_id for o in done.offers] == ["m3"]  # m2 declined this round
        assert uow.offers.by_id["o1"].status == "accepted"

    @pytest.mark.parametrize(
        ("v", "offers", "detail"),
        [
            (visit(window=WINDOW, status="confirmed", confirmed_once=True), (offer("o1", "m1", "accepted"),),
             "no open seat"),
            (visit(window=WINDOW), (offer("o1", "m1"),), "no open seat"),  # offered, waiting for the answer
            (visit(status="cancelled"), (), "cancelled"),
            (visit(status="released"), (), "released"),  # released at booking's request, never unfulfilled
        ],
    )  # fmt: skip
    async def test_refuses_a_visit_with_nothing_to_search_for(
        self, v: Visit, offers: tuple[Offer, ...], detail: str
    ) -> None:
        uow = unit(v, *offers, candidates=(candidate("m9"),))

        with pytest.raises(Conflict, match=detail):
            await manual_staffing.rematch(uow, "v1")
        assert emitted(uow) == []


class TestReview:
    def test_ranks_as_matching_does_and_says_why_each_other_member_is_ruled_out(self) -> None:
        v = visit(window=WINDOW)
        request = replace(team_request(v, [offer("o1", "asked", "declined")], frozenset()), seats=1)
        busy = (Commitment(WINDOW.start, WINDOW.end),)
        members = [
            candidate("second", recent_visits=3),
            candidate("first", recent_visits=0, trained_year=2026),
            candidate("asked"),
            candidate("holder"),
            candidate("far", same_municipality=False, distance_km=90.0),
            candidate("english", languages=frozenset({"en"})),
            candidate("resting", active=False),
            candidate("busy", commitments=busy),
            candidate("full", max_visits_per_month=1, commitments=(Commitment(WINDOW.start + timedelta(days=5),
                                                                              WINDOW.end + timedelta(days=5)),)),
            candidate("holiday", unavailable_dates=frozenset({WINDOW.start.date()})),
        ]  # fmt: skip

        seen = review(request, members, on_team=frozenset({"holder"}), now=NOW, policy=Policy())

        assert [(r.rank, r.candidate.member_id, r.chosen) for r in seen.ranked] == [
            (1, "first", True),
            (2, "second", False),
        ]
        assert seen.ranked[0].trained_this_year and seen.ranked[0].windows == (WINDOW,)
        assert {e.candidate.member_id: e.code for e in seen.excluded} == {
            "asked": "already_asked", "holder": "on_team", "far": "too_far", "english": "language",
            "resting": "inactive", "busy": "busy", "full": "monthly_limit", "holiday": "unavailable_date",
        }  # fmt: skip
