"""Registering, withdrawing and the waiting list, on a unit of work in memory: states and the events emitted."""

from datetime import datetime, timedelta

import pytest
from training_factories import NOW, gathering, schedule
from training_fakes import Store

from outreach_dev.testing.fakes import emitted, emitted_keys
from outreach_shared.contracts import training as t
from outreach_shared.timers import Timer
from training.domain.errors import GatheringNotFound, RegistrationRefused, WrongGatheringState
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.registration import Needs, RegistrationStatus
from training.service_layer import registrations
from training.service_layer.handlers import REGISTRY
from training.service_layer.timer_keys import PLACE_OFFER_EXPIRY, offer_key

TTL = timedelta(hours=48)  # the unit of work's default place-offer deadline
MEMBERS = ("m1", "m2", "m3", "m4")


def published(store: Store, *, capacity: int = 2, **changes: object) -> Gathering:
    """A published gathering in the store, every member of MEMBERS invited."""
    g = gathering(status=GatheringStatus.PUBLISHED, capacity=capacity, **changes)
    store.gatherings.by_id[g.id] = g
    store.invitations.invited += [(g.id, m) for m in MEMBERS]
    return g


async def registered(store: Store, g: Gathering, *members: str) -> None:
    """The members register, in order, at NOW."""
    uow = store.unit(NOW)
    for m in members:
        await registrations.register(uow, g.id, m, Needs())


def confirmed(g: Gathering, member_id: str) -> t.RegistrationConfirmed:
    s = g.schedule
    return t.RegistrationConfirmed(gathering_id=g.id, member_id=member_id, title=g.title, starts_at=s.starts_at,
                                   ends_at=s.ends_at, venue=g.venue)  # fmt: skip


def place_offered(g: Gathering, member_id: str, expires_at: datetime) -> t.PlaceOffered:
    return t.PlaceOffered(gathering_id=g.id, member_id=member_id, title=g.title, expires_at=expires_at)


def offer_timer(store: Store, g: Gathering, member_id: str) -> Timer:
    """The pending place-offer timer of the member's registration, as the timer runner would hand it over."""
    key = offer_key(g.id, store.registrations.of(g.id, member_id).id)
    due_at, payload = store.timers.pending.pop((PLACE_OFFER_EXPIRY, key))  # the runner takes it
    return Timer(id=1, kind=PLACE_OFFER_EXPIRY, key=key, due_at=due_at, payload=payload)


class TestRegister:
    async def test_members_get_places_while_any_remain_then_wait_in_order(self) -> None:
        store = Store()
        g = published(store, capacity=2)
        uow = store.unit(NOW)

        got = [await registrations.register(uow, g.id, m, Needs(dietary="vegan")) for m in MEMBERS]

        W, C = RegistrationStatus.WAITLISTED, RegistrationStatus.CONFIRMED
        assert [(r.member_id, r.status, r.position) for r in got] == [
            ("m1", C, None), ("m2", C, None), ("m3", W, 1), ("m4", W, 2)
        ]  # fmt: skip
        assert got[0].needs == Needs(dietary="vegan") and got[0].registered_at == NOW
        assert emitted(uow) == [
            confirmed(g, "m1"),
            confirmed(g, "m2"),
            t.RegistrationWaitlisted(gathering_id=g.id, member_id="m3", title=g.title, position=1),
            t.RegistrationWaitlisted(gathering_id=g.id, member_id="m4", title=g.title, position=2),
        ]
        assert {key for _, key in emitted_keys(uow)} == {g.id}

    async def test_a_member_not_invited_is_refused_and_nothing_is_recorded(self) -> None:
        store = Store()
        g = published(store)
        uow = store.unit(NOW)

        with pytest.raises(RegistrationRefused, match="not invited"):
            await registrations.register(uow, g.id, "stranger", Needs())

        assert emitted(uow) == [] and store.registrations.by_id == {}

    async def test_registering_twice_is_refused(self) -> None:
        store = Store()
        g = published(store)
        await registered(store, g, "m1")
        uow = store.unit(NOW)

        with pytest.raises(RegistrationRefused, match="already registered"):
            await registrations.register(uow, g.id, "m1", Needs())
        assert emitted(uow) == []

    async def test_registration_is_refused_once_it_has_closed(self) -> None:
        store = Store()
        g = published(store)
        uow = store.unit(g.schedule.registration_closes)

        with pytest.raises(RegistrationRefused, match="closed"):
            await registrations.register(uow, g.id, "m1", Needs())
        assert emitted(uow) == [] and store.registrations.by_id == {}

    async def test_a_draft_does_not_exist_for_members(self) -> None:
        store = Store()
        g = published(store)
        store.gatherings.by_id[g.id] = gathering(status=GatheringStatus.DRAFT)

        with pytest.raises(GatheringNotFound):
            await registrations.register(store.unit(NOW), g.id, "m1", Needs())


class TestWithdraw:
    async def test_a_freed_place_is_offered_to_the_first_waiting_with_a_deadline(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2", "m3")
        later = NOW + timedelta(days=2)
        uow = store.unit(later)

        withdrawn = await registrations.withdraw(uow, g.id, "m1")

        expires_at = later + TTL
        assert withdrawn.status == RegistrationStatus.WITHDRAWN
        assert emitted(uow) == [
            t.RegistrationWithdrawn(gathering_id=g.id, member_id="m1"),
            place_offered(g, "m2", expires_at),
        ]
        assert store.registrations.of(g.id, "m1").status == RegistrationStatus.WITHDRAWN
        offered = store.registrations.of(g.id, "m2")
        assert offered.status == RegistrationStatus.OFFERED and offered.offer_expires_at == expires_at
        still_waiting = store.registrations.of(g.id, "m3")
        assert still_waiting.status == RegistrationStatus.WAITLISTED and still_waiting.position == 1
        assert store.timers.pending == {
            (PLACE_OFFER_EXPIRY, offer_key(g.id, offered.id)): (
                expires_at, {"gathering_id": g.id, "registration_id": offered.id}
            )
        }  # fmt: skip

    async def test_an_offer_never_outlasts_the_gathering_start(self) -> None:
        store = Store()
        g = published(store, capacity=1, schedule=schedule(withdrawal_deadline=NOW + timedelta(days=40)))
        await registered(store, g, "m1", "m2")
        just_before = g.schedule.starts_at - timedelta(hours=3)

        uow = store.unit(just_before)
        await registrations.withdraw(uow, g.id, "m1")

        assert emitted(uow)[-1] == place_offered(g, "m2", g.schedule.starts_at)
        assert store.registrations.of(g.id, "m2").offer_expires_at == g.schedule.starts_at

    async def test_a_newcomer_waits_behind_an_offer_already_made(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        uow = store.unit(NOW)

        newcomer = await registrations.register(uow, g.id, "m3", Needs())

        assert newcomer.status == RegistrationStatus.WAITLISTED and newcomer.position == 1
        assert emitted(uow) == [t.RegistrationWaitlisted(gathering_id=g.id, member_id="m3", title=g.title, position=1)]

    async def test_withdrawing_with_nobody_waiting_offers_nothing(self) -> None:
        store = Store()
        g = published(store, capacity=2)
        await registered(store, g, "m1")
        uow = store.unit(NOW)

        await registrations.withdraw(uow, g.id, "m1")

        assert emitted(uow) == [t.RegistrationWithdrawn(gathering_id=g.id, member_id="m1")]
        assert store.timers.pending == {}

    async def test_withdrawing_after_the_deadline_is_refused(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2")
        uow = store.unit(g.schedule.withdrawal_deadline)

        with pytest.raises(WrongGatheringState, match="withdrawal deadline"):
            await registrations.withdraw(uow, g.id, "m1")
        assert emitted(uow) == [] and store.registrations.of(g.id, "m1").status == RegistrationStatus.CONFIRMED


class TestAcceptOffer:
    async def test_accepting_in_time_confirms_the_place_and_stops_the_deadline(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        key = (PLACE_OFFER_EXPIRY, offer_key(g.id, store.registrations.of(g.id, "m2").id))
        uow = store.unit(NOW + TTL - timedelta(minutes=1))

        accepted = await registrations.accept_offer(uow, g.id, "m2")

        assert accepted.status == RegistrationStatus.CONFIRMED
        assert emitted(uow) == [confirmed(g, "m2")]
        assert key not in store.timers.pending and key in store.timers.cancelled

    async def test_accepting_after_the_deadline_is_refused(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        uow = store.unit(NOW + TTL)

        with pytest.raises(WrongGatheringState, match="lapsed"):
            await registrations.accept_offer(uow, g.id, "m2")
        assert emitted(uow) == [] and store.registrations.of(g.id, "m2").status == RegistrationStatus.OFFERED


class TestOfferDeadline:
    async def test_an_offer_not_taken_in_time_lapses_and_goes_to_the_next_waiting(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2", "m3")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        timer = offer_timer(store, g, "m2")
        uow = store.unit(timer.due_at)

        await REGISTRY.timers[PLACE_OFFER_EXPIRY](uow, timer)

        next_deadline = timer.due_at + TTL
        assert emitted(uow) == [
            t.PlaceOfferLapsed(gathering_id=g.id, member_id="m2"),
            place_offered(g, "m3", next_deadline),
        ]
        assert store.registrations.of(g.id, "m2").status == RegistrationStatus.LAPSED
        m3 = store.registrations.of(g.id, "m3")
        assert m3.status == RegistrationStatus.OFFERED and m3.offer_expires_at == next_deadline
        assert store.timers.pending[PLACE_OFFER_EXPIRY, offer_key(g.id, m3.id)][0] == next_deadline

    async def test_a_lapsed_place_with_nobody_waiting_is_free_for_the_next_to_register(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        timer = offer_timer(store, g, "m2")
        uow = store.unit(timer.due_at)

        await REGISTRY.timers[PLACE_OFFER_EXPIRY](uow, timer)
        newcomer = await registrations.register(uow, g.id, "m3", Needs())

        assert emitted(uow) == [t.PlaceOfferLapsed(gathering_id=g.id, member_id="m2"), confirmed(g, "m3")]
        assert newcomer.status == RegistrationStatus.CONFIRMED and store.timers.pending == {}

    async def test_the_deadline_of_an_offer_already_accepted_changes_nothing(self) -> None:
        store = Store()
        g = published(store, capacity=1)
        await registered(store, g, "m1", "m2", "m3")
        await registrations.withdraw(store.unit(NOW), g.id, "m1")
        timer = offer_timer(store, g, "m2")
        await registrations.accept_offer(store.unit(NOW), g.id, "m2")
        uow = store.unit(timer.due_at)

        await REGISTRY.timers[PLACE_OFFER_EXPIRY](uow, timer)

        assert emitted(uow) == []
        assert store.registrations.of(g.id, "m2").status == RegistrationStatus.CONFIRMED
        assert store.registrations.of(g.id, "m3").status == RegistrationStatus.WAITLISTED
