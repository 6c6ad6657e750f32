"""Members' own gatherings, check-in by code and the proof of training, on a unit of work in memory."""

from dataclasses import replace
from datetime import timedelta

import pytest
from training_factories import NOW, gathering
from training_fakes import Store

from outreach_dev.testing.fakes import emitted
from outreach_shared.contracts import training as t
from outreach_shared.errors import Invalid
from training.domain.codes import grouped
from training.domain.errors import GatheringNotFound, WrongGatheringState
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.my_gathering import MyState
from training.domain.registration import Needs
from training.service_layer import attendance, gatherings, my_gatherings, registrations

MEMBERS = ("m1", "m2", "m3")


async def published(store: Store, gathering_id: str = "g-1", *, days_later: int = 0) -> Gathering:
    """A published gathering, every member of MEMBERS invited, m1 and m2 placed and m3 waiting (capacity 2)."""
    g = gathering(id=gathering_id, status=GatheringStatus.PUBLISHED, capacity=2)
    g = replace(g, schedule=replace(g.schedule, starts_at=g.schedule.starts_at + timedelta(days=days_later)))
    store.gatherings.by_id[g.id] = g
    store.invitations.invited += [(g.id, m) for m in MEMBERS]
    for m in MEMBERS:
        await registrations.register(store.unit(NOW), g.id, m, Needs(dietary=f"{m} food"))
    return g


class TestMine:
    async def test_a_member_sees_their_gatherings_newest_first_with_their_own_state(self) -> None:
        store = Store()
        soon, later = await published(store, "g-soon"), await published(store, "g-later", days_later=5)
        store.gatherings.by_id["g-draft"] = gathering(id="g-draft")
        store.invitations.invited.append(("g-draft", "m3"))

        mine = await my_gatherings.list_mine(store.unit(NOW), "m3")

        assert [m.gathering.id for m in mine] == [later.id, soon.id]
        assert [m.state for m in mine] == [MyState.WAITLISTED, MyState.WAITLISTED]
        assert mine[0].registration is not None and mine[0].registration.needs.dietary == "m3 food"
        assert mine[0].places_left == 0

    async def test_one_gathering_is_hidden_from_members_neither_invited_nor_registered(self) -> None:
        store = Store()
        g = await published(store)
        store.gatherings.by_id["g-draft"] = gathering(id="g-draft")
        store.invitations.invited.append(("g-draft", "m1"))

        assert (await my_gatherings.get_mine(store.unit(NOW), "m1", g.id)).state == MyState.REGISTERED
        for member_id, gathering_id in (("stranger", g.id), ("m1", "g-draft"), ("m1", "missing")):
            with pytest.raises(GatheringNotFound):
                await my_gatherings.get_mine(store.unit(NOW), member_id, gathering_id)


class TestCheckInByCode:
    async def test_the_code_checks_in_its_member_once(self) -> None:
        store = Store()
        g = await published(store)
        code = store.registrations.of(g.id, "m2").check_in_code
        uow = store.unit(g.schedule.starts_at)

        first = await attendance.check_in_by_code(uow, g.id, grouped(code).lower())
        again = await attendance.check_in_by_code(store.unit(g.schedule.starts_at), g.id, code)

        assert first.recorded and first.registration.member_id == "m2" and not again.recorded
        assert emitted(uow) == [t.AttendanceRecorded(gathering_id=g.id, member_id="m2")]

    async def test_unknown_malformed_and_waiting_members_codes_are_refused(self) -> None:
        store = Store()
        g, other = await published(store), await published(store, "g-2")
        uow = store.unit(g.schedule.starts_at)

        with pytest.raises(GatheringNotFound) as unknown:
            await attendance.check_in_by_code(uow, g.id, store.registrations.of(other.id, "m1").check_in_code)
        with pytest.raises(Invalid) as malformed:
            await attendance.check_in_by_code(uow, g.id, "0000-0000")
        with pytest.raises(WrongGatheringState):
            await attendance.check_in_by_code(uow, g.id, store.registrations.of(g.id, "m3").check_in_code)
        assert unknown.value.field == malformed.value.field == "code"
        assert emitted(uow) == []


class TestCertificate:
    async def test_completion_gives_those_checked_in_a_proof_that_verifies(self) -> None:
        store = Store()
        g = await published(store)
        day = g.schedule.starts_at + timedelta(hours=1)
        await attendance.check_in(store.unit(day), g.id, "m1")
        with pytest.raises(WrongGatheringState):
            await my_gatherings.my_certificate(store.unit(day), "m1", g.id)

        await gatherings.complete(store.unit(day), g.id)
        proof = await my_gatherings.my_certificate(store.unit(day), "m1", g.id)

        assert proof.completed_at == day and proof.gathering.id == g.id
        verified = await my_gatherings.verify(store.unit(day), proof.verification_code.replace("-", " ").lower())
        assert verified == proof
        with pytest.raises(GatheringNotFound):
            await my_gatherings.my_certificate(store.unit(day), "m2", g.id)
        for bogus in ("", "K7QX-M2PD-4RTA-9WXE", "x" * 1000):
            with pytest.raises(GatheringNotFound):
                await my_gatherings.verify(store.unit(day), bogus)
