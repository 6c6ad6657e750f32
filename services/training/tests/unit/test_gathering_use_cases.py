"""Publishing, check-in, completion, cancellation and the roster's events, on a unit of work in memory."""

from datetime import timedelta

import pytest
from training_factories import NOW, gathering
from training_fakes import Store

from outreach_dev.testing.fakes import emitted, emitted_keys
from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import training as t
from training.domain.errors import GatheringNotFound, WrongGatheringState
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.registration import Needs, RegistrationStatus
from training.domain.roster import RosterMember
from training.service_layer import attendance, gatherings, registrations
from training.service_layer.handlers import REGISTRY
from training.service_layer.timer_keys import INVITATION_REMINDER, PLACE_OFFER_EXPIRY, offer_key, reminder_key

MEMBERS = ("m1", "m2", "m3")


async def with_registrations(store: Store, *, capacity: int = 2) -> Gathering:
    """A published gathering where m1 and m2 hold places and m3 waits."""
    g = gathering(status=GatheringStatus.PUBLISHED, capacity=capacity)
    store.gatherings.by_id[g.id] = g
    store.invitations.invited += [(g.id, m) for m in MEMBERS]
    uow = store.unit(NOW)
    for m in MEMBERS:
        await registrations.register(uow, g.id, m, Needs())
    return g


class TestPublish:
    async def test_publishing_invites_the_eligible_and_sets_the_reminder(self) -> None:
        store = Store()
        store.roster.by_id.update({m.member_id: m for m in (
            RosterMember("in", "nurse", "42", True),
            RosterMember("elsewhere", "nurse", "03", True),
            RosterMember("other-profession", "health_worker", "42", True),
            RosterMember("inactive", "nurse", "42", False),
        )})  # fmt: skip
        draft = gathering()
        await store.gatherings.add(draft)
        uow = store.unit(NOW)

        view = await gatherings.publish(uow, draft.id)

        g, s = view.gathering, draft.schedule
        assert g.status == GatheringStatus.PUBLISHED and view.counts.invited == 1
        assert emitted(uow) == [
            t.GatheringPublished(gathering_id=g.id, title=g.title, starts_at=s.starts_at, ends_at=s.ends_at,
                                 venue=g.venue, region=["42"], audience=["nurse"], capacity=g.capacity,
                                 registration_opens=s.registration_opens, registration_closes=s.registration_closes,
                                 withdrawal_deadline=s.withdrawal_deadline),
            t.InvitationIssued(gathering_id=g.id, member_id="in", title=g.title, starts_at=s.starts_at,
                               ends_at=s.ends_at, venue=g.venue, registration_closes=s.registration_closes),
        ]  # fmt: skip
        assert {key for _, key in emitted_keys(uow)} == {g.id}
        assert store.timers.pending == {
            (INVITATION_REMINDER, reminder_key(g.id)): (s.registration_closes - timedelta(days=7),
                                                        {"gathering_id": g.id})
        }  # fmt: skip

    async def test_a_late_joiner_is_invited_to_the_open_gathering(self) -> None:
        store = Store()
        g = gathering(status=GatheringStatus.PUBLISHED)
        await store.gatherings.add(g)
        snapshot = a.MemberSnapshot(member_id="late", name="Kari Nordmann", first_name="Kari", profession="nurse",
                                    kommunenummer="4204", fylke="42", email="kari@example.org", phone="+4790000000",
                                    languages=["nb"], preferred_language="nb", active=True)  # fmt: skip
        uow = store.unit(NOW)

        await REGISTRY.events[a.MemberRegistered](uow, a.MemberRegistered(member=snapshot))

        assert [type(e) for e in emitted(uow)] == [t.InvitationIssued]
        assert await store.invitations.is_invited(g.id, "late") and "late" in store.roster.by_id


class TestCheckIn:
    async def test_a_member_with_a_place_is_checked_in_once(self) -> None:
        store = Store()
        g = await with_registrations(store)
        day = g.schedule.starts_at + timedelta(hours=1)
        uow = store.unit(day)

        first = await attendance.check_in(uow, g.id, "m1")
        again = await attendance.check_in(store.unit(day + timedelta(hours=1)), g.id, "m1")

        assert first.recorded and first.registration.checked_in_at == day
        assert not again.recorded and again.registration.checked_in_at == day
        assert emitted(uow) == [t.AttendanceRecorded(gathering_id=g.id, member_id="m1")]
        assert await store.registrations.checked_in_ids(g.id) == ["m1"]

    async def test_checking_in_again_emits_nothing(self) -> None:
        store = Store()
        g = await with_registrations(store)
        await attendance.check_in(store.unit(g.schedule.starts_at), g.id, "m1")
        uow = store.unit(g.schedule.starts_at)

        await attendance.check_in(uow, g.id, "m1")

        assert emitted(uow) == []

    async def test_check_in_opens_the_day_before(self) -> None:
        store = Store()
        g = await with_registrations(store)
        uow = store.unit(g.schedule.starts_at - timedelta(days=1, minutes=1))

        with pytest.raises(WrongGatheringState, match="day before"):
            await attendance.check_in(uow, g.id, "m1")
        assert emitted(uow) == [] and await store.registrations.checked_in_ids(g.id) == []

    async def test_a_member_without_a_place_is_not_checked_in(self) -> None:
        store = Store()
        g = await with_registrations(store)
        uow = store.unit(g.schedule.starts_at)

        with pytest.raises(WrongGatheringState, match="no confirmed place"):
            await attendance.check_in(uow, g.id, "m3")
        assert emitted(uow) == [] and await store.registrations.checked_in_ids(g.id) == []

    async def test_an_unknown_gathering_is_not_found(self) -> None:
        with pytest.raises(GatheringNotFound):
            await attendance.check_in(Store().unit(NOW), "nowhere", "m1")


class TestComplete:
    async def test_completing_trains_everyone_checked_in_and_stops_the_timers(self) -> None:
        store = Store()
        g = await with_registrations(store)
        await store.timers.schedule(INVITATION_REMINDER, reminder_key(g.id), NOW, {"gathering_id": g.id})
        await store.timers.schedule(PLACE_OFFER_EXPIRY, offer_key("other", "r9"), NOW)
        day = g.schedule.starts_at + timedelta(hours=1)
        for m in ("m2", "m1"):
            await attendance.check_in(store.unit(day), g.id, m)
        uow = store.unit(g.schedule.ends_at)

        view = await gatherings.complete(uow, g.id)

        assert view.gathering.status == GatheringStatus.COMPLETED and view.counts.checked_in == 2
        assert store.gatherings.by_id[g.id].status == GatheringStatus.COMPLETED
        assert emitted(uow) == [t.GatheringCompleted(gathering_id=g.id, year=2025, trained_member_ids=["m1", "m2"])]
        assert emitted_keys(uow) == [("gathering.completed", g.id)]
        assert list(store.timers.pending) == [(PLACE_OFFER_EXPIRY, offer_key("other", "r9"))]

    async def test_a_gathering_not_yet_started_cannot_be_completed(self) -> None:
        store = Store()
        g = await with_registrations(store)
        uow = store.unit(g.schedule.starts_at - timedelta(minutes=1))

        with pytest.raises(WrongGatheringState, match="not started"):
            await gatherings.complete(uow, g.id)
        assert emitted(uow) == [] and store.gatherings.by_id[g.id].status == GatheringStatus.PUBLISHED


class TestCancel:
    async def test_cancelling_tells_everyone_registered_or_waiting(self) -> None:
        store = Store()
        g = await with_registrations(store)
        await store.timers.schedule(INVITATION_REMINDER, reminder_key(g.id), NOW)
        uow = store.unit(NOW)

        view = await gatherings.cancel(uow, g.id, "the venue burnt down")

        assert view.gathering.status == GatheringStatus.CANCELLED
        assert view.gathering.cancel_reason == "the venue burnt down"
        assert emitted(uow) == [t.GatheringCancelled(gathering_id=g.id, title=g.title, reason="the venue burnt down",
                                                     member_ids=["m1", "m2", "m3"])]  # fmt: skip
        assert store.timers.pending == {}


class TestMemberErased:
    async def test_an_erased_members_place_goes_to_the_next_waiting(self) -> None:
        store = Store()
        g = await with_registrations(store)
        uow = store.unit(NOW)

        await REGISTRY.events[a.MemberErased](uow, a.MemberErased(member_id="m1"))

        assert emitted(uow) == [t.PlaceOffered(gathering_id=g.id, member_id="m3", title=g.title,
                                               expires_at=NOW + timedelta(hours=48))]  # fmt: skip
        assert store.registrations.of(g.id, "m3").status == RegistrationStatus.OFFERED
        assert all(r.member_id != "m1" for r in store.registrations.by_id.values())
