"""Booking's use cases and event handlers on a unit of work in memory: what they return and what they emit."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from booking_fakes import FakeContacts, FakeIgnoredEvents, FakeKeys, FakeNewVisits, FakeVisits

from booking.domain.model import Visit
from booking.domain.new_visits import StoredResponse
from booking.domain.values import Contact, School, VisitDetails
from booking.service_layer import lifecycle, queries
from booking.service_layer.create import CreateVisitRequest, create_visit_request, request_hash
from booking.service_layer.handlers import REGISTRY, on_no_team, on_offer_made, on_team_confirmed
from booking.service_layer.unit_of_work import BookingUnit, NewVisitUnit
from outreach_dev.testing.fakes import emitted, emitted_keys, in_memory
from outreach_shared.auth import Principal
from outreach_shared.contracts.ambassadors import NoTeamAvailable, OfferMade, TeamConfirmed
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitConfirmed,
    VisitContactErased,
    VisitContactShared,
    VisitRequested,
    VisitRescheduled,
)
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.errors import Conflict, Invalid, NotFound

NOW = datetime(2027, 3, 1, 8, tzinfo=UTC)  # a Monday
ORGNR = "974760673"
SCHOOL = Principal(role="school", subject=ORGNR, orgnr=ORGNR)
OTHER_SCHOOL = Principal(role="school", subject="920123456", orgnr="920123456")
ORGANISER = Principal(role="organiser", subject="org")
WINDOW = TimeWindow(start=datetime(2027, 3, 15, 8, tzinfo=UTC), end=datetime(2027, 3, 15, 11, tzinfo=UTC))
SLOT = TimeWindow(start=WINDOW.start, end=WINDOW.start + timedelta(hours=2))
TEAM = [TeamMember(member_id="m1", first_name="Kari", profession="nurse"),
        TeamMember(member_id="m2", first_name="Ola", profession="health_worker")]  # fmt: skip
WITHOUT_NAMES = [TeamMember(member_id=m.member_id, profession=m.profession) for m in TEAM]
"""The team as booking's events carry it: ids and professions, no names."""
CONTACT = Contact("Kari Lærer", "kari@skole.no", "+4741234567")
DETAILS = VisitDetails("school_visit", "10. trinn", 60, ("nurse", "health_worker"), "nb", 2)


def requested(visit_id: str = "v1") -> Visit:
    visit = Visit.request(id=visit_id, school=School(ORGNR, "Byskolen", "0301", "Skolegata 1"), details=DETAILS,
                          windows=[WINDOW], now=NOW - timedelta(days=1))  # fmt: skip
    visit.events.clear()
    visit.persisted_history = len(visit.history)
    return visit


def unit(*visits: Visit, **contacts: Contact) -> BookingUnit:
    return in_memory(BookingUnit, now=NOW, visits=FakeVisits(*visits), contacts=FakeContacts(**contacts),
                     ignored_events=FakeIgnoredEvents())  # fmt: skip


def handling(uow: BookingUnit) -> BookingUnit:
    """The unit as the consumer gives it to a handler: caused by an incoming event."""
    uow.scope.causation_id = str(uuid.uuid4())
    return uow


# --- create ---------------------------------------------------------------------------------------------


def command(windows: list[TimeWindow] | None = None, orgnr: str = ORGNR) -> CreateVisitRequest:
    return CreateVisitRequest(school=School(orgnr, "Byskolen", "0301", "Skolegata 1"), contact=CONTACT,
                              details=DETAILS, windows=windows or [WINDOW], canonical=b'{"the": "body"}')  # fmt: skip


def new_visit_unit(new_visits: FakeNewVisits | None = None, keys: FakeKeys | None = None) -> NewVisitUnit:
    return in_memory(NewVisitUnit, now=NOW, new_visits=new_visits or FakeNewVisits(), keys=keys or FakeKeys())


async def test_a_school_s_request_is_handed_to_the_writer_with_its_key_contact_and_events() -> None:
    writer = FakeNewVisits()
    uow = new_visit_unit(writer)
    created = await create_visit_request(uow, command(), caller=SCHOOL, idempotency_key="k1", visit_id="v9")
    assert (created.status_code, created.body, created.replayed) == (201, {"id": "v9", "status": "requested"}, False)
    (new,) = writer.written
    assert (new.claim.orgnr, new.claim.key, new.claim.response) == (ORGNR, "k1", created.body)
    assert new.claim.request_hash == request_hash(b'{"the": "body"}')
    assert (new.visit.status, new.county_number, new.contact) == ("requested", "03", CONTACT)
    assert [type(e) for e in emitted(uow)] == [VisitRequested, VisitContactShared]
    assert emitted_keys(uow) == [("visit.requested", "v9"), ("visit-contact.shared", "v9")]
    assert [e.event_id for e in new.events] == [e.event_id for e in uow.scope.emitted]


async def test_a_key_used_before_replays_its_first_response() -> None:
    first = {"id": "v1", "status": "requested"}
    keys = FakeKeys({(ORGNR, "k1"): StoredResponse(request_hash(b'{"the": "body"}'), 201, first)})
    created = await create_visit_request(new_visit_unit(FakeNewVisits("used"), keys), command(), caller=SCHOOL,
                                         idempotency_key="k1")  # fmt: skip
    assert (created.status_code, created.body, created.replayed) == (201, first, True)


async def test_a_key_used_with_another_body_is_refused() -> None:
    keys = FakeKeys({(ORGNR, "k1"): StoredResponse("another hash", 201, {"id": "v1"})})
    with pytest.raises(Invalid, match="already used with a different request body"):
        await create_visit_request(new_visit_unit(FakeNewVisits("used"), keys), command(), caller=SCHOOL,
                                   idempotency_key="k1")  # fmt: skip


async def test_a_school_at_its_limit_of_open_requests_is_refused() -> None:
    with pytest.raises(Conflict, match="already has 20 open visit requests"):
        await create_visit_request(new_visit_unit(FakeNewVisits("limit")), command(), caller=SCHOOL,
                                   idempotency_key="k1")  # fmt: skip


async def test_windows_too_soon_are_refused_and_nothing_is_written() -> None:
    writer, soon = FakeNewVisits(), TimeWindow(start=NOW + timedelta(days=2), end=NOW + timedelta(days=2, hours=2))
    with pytest.raises(Invalid, match="windows.0.start"):
        await create_visit_request(new_visit_unit(writer), command([soon]), caller=SCHOOL, idempotency_key="k1")
    assert writer.written == []


async def test_a_school_asks_only_for_itself() -> None:
    with pytest.raises(Invalid, match="school.orgnr"):
        await create_visit_request(new_visit_unit(), command(), caller=OTHER_SCHOOL, idempotency_key="k1")


# --- the school's and organisers' commands ---------------------------------------------------------------


async def test_a_school_cancels_its_visit_and_sees_it_with_its_contact() -> None:
    uow = unit(requested(), v1=CONTACT)
    shown = await lifecycle.cancel(uow, "v1", caller=SCHOOL, reason="the class moved")
    assert (shown.visit.status, shown.contact) == ("cancelled", CONTACT)
    assert uow.visits.saved["v1"].status == "cancelled"  # type: ignore[attr-defined]
    (event,) = emitted(uow)
    assert isinstance(event, VisitCancelled) and event.reason == "the class moved" and event.cancelled_by == "school"
    assert emitted_keys(uow) == [("visit.cancelled", "v1")]


async def test_another_school_cannot_find_the_visit() -> None:
    uow = unit(requested())
    with pytest.raises(NotFound):
        await lifecycle.cancel(uow, "v1", caller=OTHER_SCHOOL, reason="x")
    assert emitted(uow) == []


async def test_rescheduling_checks_the_new_windows_against_the_unit_s_time() -> None:
    later = TimeWindow(start=WINDOW.start + timedelta(days=7), end=WINDOW.end + timedelta(days=7))
    uow = unit(requested())
    shown = await lifecycle.reschedule(uow, "v1", caller=ORGANISER, windows=[later])
    assert shown.visit.windows == [later] and shown.visit.status == "requested"
    (event,) = emitted(uow)
    assert isinstance(event, VisitRescheduled) and event.windows == [later]
    with pytest.raises(Invalid, match="windows.0.start"):
        soon = TimeWindow(start=NOW + timedelta(days=1), end=NOW + timedelta(days=1, hours=2))
        await lifecycle.reschedule(unit(requested()), "v1", caller=ORGANISER, windows=[soon])


async def test_an_organiser_erases_the_contact_and_notify_is_told() -> None:
    uow = unit(requested(), v1=CONTACT)
    await lifecycle.erase_contact(uow, "v1", caller=ORGANISER)
    assert await uow.contacts.get("v1") is None
    assert emitted(uow) == [VisitContactErased(visit_id="v1")]
    shown = await queries.get_visit(uow, "v1", caller=SCHOOL)
    assert shown.contact is None


async def test_a_member_sees_the_visit_of_their_team_without_its_contact() -> None:
    visit = requested()
    visit.confirm_team(SLOT, TEAM, NOW)
    visit.events.clear()
    shown = await queries.get_visit(unit(visit, v1=CONTACT), "v1", caller=Principal(role="member", subject="m1",
                                                                                    member_id="m1"))  # fmt: skip
    assert shown.visit.status == "confirmed" and shown.contact is None


# --- team events ------------------------------------------------------------------------------------------


def offer(visit_id: str = "v1") -> OfferMade:
    return OfferMade(offer_id="o1", visit_id=visit_id, member_id="m1", window=SLOT, expires_at=NOW + timedelta(days=1),
                     reason="nearest", kind="school_visit", school_name="Byskolen", kommunenummer="0301",
                     language="nb")  # fmt: skip


async def test_an_offer_moves_the_visit_to_offered_at_the_unit_s_time() -> None:
    uow = handling(unit(requested()))
    await on_offer_made(uow, offer())
    saved = uow.visits.saved["v1"]  # type: ignore[attr-defined]
    assert saved.status == "offered" and saved.history[-1].at == NOW
    assert emitted(uow) == []


async def test_a_confirmed_team_confirms_the_visit() -> None:
    uow = handling(unit(requested()))
    await on_team_confirmed(uow, TeamConfirmed(visit_id="v1", window=SLOT, members=TEAM))
    assert uow.visits.saved["v1"].status == "confirmed"  # type: ignore[attr-defined]
    (event,) = emitted(uow)
    assert isinstance(event, VisitConfirmed) and event.scheduled == SLOT and event.team == WITHOUT_NAMES


async def test_a_team_event_for_an_unknown_visit_is_recorded_and_its_members_released_once() -> None:
    uow = handling(unit())
    await on_team_confirmed(uow, TeamConfirmed(visit_id="v-gone", window=SLOT, members=TEAM))
    assert list(uow.ignored_events.recorded.values()) == [  # type: ignore[attr-defined]
        ("team.confirmed", "v-gone", "unknown visit", ["m1", "m2"])
    ]
    assert emitted(uow) == [TeamReleaseRequested(visit_id="v-gone", member_ids=["m1", "m2"], reason="unknown visit")]
    await on_team_confirmed(uow, TeamConfirmed(visit_id="v-gone", window=SLOT, members=TEAM))  # redelivered
    assert len(emitted(uow)) == 1


async def test_a_refused_offer_of_a_window_the_school_moved_away_from_asks_to_release_naming_its_round() -> None:
    uow = handling(unit(requested()))
    elsewhere = TimeWindow(start=SLOT.start + timedelta(days=30), end=SLOT.end + timedelta(days=30))
    await on_offer_made(uow, offer().model_copy(update={"window": elsewhere, "round": 3}))
    (release,) = emitted(uow)
    assert isinstance(release, TeamReleaseRequested)
    assert (release.member_ids, release.round) == (["m1"], 3)  # ambassadors ignores it once round 3 is over


async def test_no_team_makes_a_requested_visit_unfulfilled() -> None:
    uow = handling(unit(requested()))
    await on_no_team(uow, NoTeamAvailable(visit_id="v1", reason="nobody free"))
    assert uow.visits.saved["v1"].status == "unfulfilled"  # type: ignore[attr-defined]


def test_the_registry_maps_each_team_event_to_its_handler() -> None:
    assert REGISTRY.events[OfferMade] is on_offer_made and REGISTRY.events[TeamConfirmed] is on_team_confirmed
    assert set(REGISTRY.event_types()) == {"offer.made", "team.confirmed", "team.changed", "team.none-available",
                                           "team.member-released", "member.erased",
                                           "member.registered", "member.updated"}  # fmt: skip
