"""Repositories in memory for the training service's use cases (no database): one store the fakes share."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from outreach_dev.testing.fakes import in_memory
from outreach_shared.regions import NATIONAL, Region
from training.domain.codes import CHECK_IN_LENGTH, VERIFICATION_LENGTH, new_code
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Counts, Gathering, GatheringStatus
from training.domain.registration import HOLDS_PLACE, Needs, Occupancy, Registration, RegistrationStatus
from training.domain.roster import RosterMember
from training.service_layer.unit_of_work import TrainingUnit


class FakeRegistrations:
    """Registrations by id, each with its place in the queue (as the table's `queue_seq`)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Registration] = {}
        self.seq: dict[str, int] = {}
        self._next = 0

    def _queued(self) -> int:
        self._next += 1
        return self._next

    def _with_position(self, r: Registration) -> Registration:
        if r.status != RegistrationStatus.WAITLISTED:
            return replace(r, position=None)
        ahead = [o for o in self.by_id.values() if o.gathering_id == r.gathering_id
                 and o.status == RegistrationStatus.WAITLISTED and self.seq[o.id] <= self.seq[r.id]]  # fmt: skip
        return replace(r, position=len(ahead))

    def of(self, gathering_id: str, member_id: str) -> Registration:
        """The member's registration (the test's view, failing when there is none)."""
        found = [r for r in self.by_id.values() if r.gathering_id == gathering_id and r.member_id == member_id]
        assert found, f"no registration of {member_id} at {gathering_id}"
        return self._with_position(found[0])

    async def get(self, gathering_id: str, member_id: str) -> Registration | None:
        found = [r for r in self.by_id.values() if r.gathering_id == gathering_id and r.member_id == member_id]
        return self._with_position(found[0]) if found else None

    async def get_by_id(self, registration_id: str) -> Registration | None:
        r = self.by_id.get(registration_id)
        return self._with_position(r) if r else None

    async def get_by_check_in_code(self, gathering_id: str, code: str) -> Registration | None:
        found = [r for r in self.by_id.values() if r.gathering_id == gathering_id and r.check_in_code == code]
        return self._with_position(found[0]) if found else None

    async def get_by_verification_code(self, code: str) -> Registration | None:
        found = [r for r in self.by_id.values() if r.verification_code == code]
        return self._with_position(found[0]) if found else None

    async def list_of_member(self, member_id: str) -> list[Registration]:
        return [self._with_position(r) for r in self.by_id.values() if r.member_id == member_id]

    async def issue_certificates(self, gathering_id: str) -> int:
        due = [r for r in self.by_id.values() if r.gathering_id == gathering_id
               and r.checked_in_at is not None and r.verification_code is None]  # fmt: skip
        for r in due:
            self.by_id[r.id] = replace(r, verification_code=new_code(VERIFICATION_LENGTH))
        return len(due)

    async def register(
        self, *, gathering_id: str, member_id: str, status: RegistrationStatus, needs: Needs, now: datetime
    ) -> Registration:
        existing = await self.get(gathering_id, member_id)
        rid = existing.id if existing else f"r{len(self.by_id) + 1}"
        code = existing.check_in_code if existing else new_code(CHECK_IN_LENGTH)
        self.by_id[rid] = Registration(rid, gathering_id, member_id, status, needs, registered_at=now,
                                       check_in_code=code)  # fmt: skip
        self.seq[rid] = self._queued()
        return self._with_position(self.by_id[rid])

    async def set_status(
        self, registration_id: str, status: RegistrationStatus, *, offer_expires_at: datetime | None = None
    ) -> None:
        r = self.by_id[registration_id]
        self.by_id[registration_id] = replace(r, status=status, offer_expires_at=offer_expires_at)

    async def occupancy(self, gathering_id: str, capacity: int) -> Occupancy:
        mine = [r for r in self.by_id.values() if r.gathering_id == gathering_id]
        holding = sum(r.status in HOLDS_PLACE for r in mine)
        waiting = sum(r.status == RegistrationStatus.WAITLISTED for r in mine)
        return Occupancy(capacity=capacity, holding=holding, waiting=waiting)

    async def first_waiting(self, gathering_id: str, count: int) -> list[Registration]:
        waiting = [r for r in self.by_id.values()
                   if r.gathering_id == gathering_id and r.status == RegistrationStatus.WAITLISTED]  # fmt: skip
        return [self._with_position(r) for r in sorted(waiting, key=lambda r: self.seq[r.id])[:count]]

    async def list_for(self, gathering_id: str) -> list[Registration]:
        order = [RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED, RegistrationStatus.WAITLISTED]
        mine = [r for r in self.by_id.values() if r.gathering_id == gathering_id]
        mine.sort(key=lambda r: (order.index(r.status) if r.status in order else 3, self.seq[r.id]))
        return [self._with_position(r) for r in mine]

    async def member_ids(self, gathering_id: str, statuses: frozenset[RegistrationStatus]) -> list[str]:
        return [r.member_id for r in self.by_id.values() if r.gathering_id == gathering_id and r.status in statuses]

    async def checked_in_ids(self, gathering_id: str) -> list[str]:
        return [r.member_id for r in self.by_id.values()
                if r.gathering_id == gathering_id and r.checked_in_at is not None]  # fmt: skip

    async def check_in(self, registration_id: str, now: datetime) -> None:
        self.by_id[registration_id] = replace(self.by_id[registration_id], checked_in_at=now)

    async def gathering_ids_of(self, member_id: str) -> list[str]:
        return sorted({r.gathering_id for r in self.by_id.values() if r.member_id == member_id})

    async def erase_member(self, member_id: str) -> list[Registration]:
        mine = [self._with_position(r) for r in self.by_id.values() if r.member_id == member_id]
        for r in mine:
            self.by_id[r.id] = replace(r, member_id=f"erased:{r.id}", needs=Needs())
        return mine


class FakeRoster:
    """The roster read model, by member id."""

    def __init__(self, *members: RosterMember) -> None:
        self.by_id = {m.member_id: m for m in members}

    async def upsert(self, m: RosterMember) -> None:
        self.by_id[m.member_id] = m

    async def get(self, member_id: str) -> RosterMember | None:
        return self.by_id.get(member_id)

    async def active_in(self, professions: Sequence[str]) -> list[RosterMember]:
        return [m for m in self.by_id.values() if m.active and m.profession in professions]

    async def delete(self, member_id: str) -> None:
        self.by_id.pop(member_id, None)


class FakeInvitations:
    """(gathering, member) invited, and those reminded."""

    def __init__(self, registrations: FakeRegistrations, roster: FakeRoster) -> None:
        self.invited: list[tuple[str, str]] = []
        self.reminded: set[tuple[str, str]] = set()
        self._registrations = registrations
        self._roster = roster

    async def add_many(self, gathering_id: str, member_ids: Sequence[str]) -> list[str]:
        new = [m for m in dict.fromkeys(member_ids) if (gathering_id, m) not in self.invited]
        self.invited += [(gathering_id, m) for m in new]
        return new

    async def is_invited(self, gathering_id: str, member_id: str) -> bool:
        return (gathering_id, member_id) in self.invited

    async def take_unanswered_for_reminder(self, gathering_id: str) -> list[str]:
        due = [m for g, m in self.invited if g == gathering_id and (g, m) not in self.reminded
               and await self._registrations.get(g, m) is None
               and (member := self._roster.by_id.get(m)) is not None and member.active]  # fmt: skip
        self.reminded.update((gathering_id, m) for m in due)
        return due

    async def erase_member(self, member_id: str) -> None:
        self.invited = [(g, f"erased:{g}" if m == member_id else m) for g, m in self.invited]


class FakeGatherings:
    """Gatherings by id; counts from the store's registrations and invitations."""

    def __init__(self, registrations: FakeRegistrations, invitations: FakeInvitations) -> None:
        self.by_id: dict[str, Gathering] = {}
        self._registrations = registrations
        self._invitations = invitations

    async def add(self, g: Gathering) -> None:
        assert g.id not in self.by_id, f"gathering {g.id} added twice"
        self.by_id[g.id] = g

    async def save(self, g: Gathering) -> None:
        assert g.id in self.by_id, f"gathering {g.id} saved before it was added"
        self.by_id[g.id] = g

    async def get(self, gathering_id: str, *, lock: bool = False) -> Gathering:
        if gathering_id not in self.by_id:
            raise GatheringNotFound(f"no gathering {gathering_id!r}")
        return self.by_id[gathering_id]

    async def list_all(self, *, status: GatheringStatus | None = None) -> list[Gathering]:
        found = [g for g in self.by_id.values() if status in (None, g.status)]
        return sorted(found, key=lambda g: (g.schedule.starts_at, g.id))

    async def page(
        self, *, status: GatheringStatus | None, region: Region = NATIONAL, after: str | None, limit: int
    ) -> list[Gathering]:
        found = sorted((g for g in self.by_id.values() if status in (None, g.status) and g.within(region)),
                       key=lambda g: (g.schedule.starts_at, g.id), reverse=True)  # fmt: skip
        if after is not None:
            last = self.by_id.get(after)
            key = (last.schedule.starts_at, last.id) if last else None
            found = [g for g in found if key is not None and (g.schedule.starts_at, g.id) < key]
        return found[:limit]

    async def list_of_member(self, member_id: str) -> list[Gathering]:
        regs = {r.gathering_id for r in self._registrations.by_id.values() if r.member_id == member_id}
        invited = {g for g, m in self._invitations.invited if m == member_id}
        found = [g for g in self.by_id.values() if g.status != GatheringStatus.DRAFT and g.id in regs | invited]
        return sorted(found, key=lambda g: (g.schedule.starts_at, g.id), reverse=True)

    async def lock_invitable(self) -> list[Gathering]:
        open_ = (GatheringStatus.DRAFT, GatheringStatus.PUBLISHED)
        return sorted((g for g in self.by_id.values() if g.status in open_), key=lambda g: g.id)

    async def counts(self, gathering_ids: list[str]) -> dict[str, Counts]:
        result = {}
        for gid in (g for g in gathering_ids if g in self.by_id):
            regs = [r for r in self._registrations.by_id.values() if r.gathering_id == gid]
            result[gid] = Counts(
                invited=sum(g == gid for g, _ in self._invitations.invited),
                registered=sum(r.status == RegistrationStatus.CONFIRMED for r in regs),
                waiting=sum(r.status == RegistrationStatus.WAITLISTED for r in regs),
                offered=sum(r.status == RegistrationStatus.OFFERED for r in regs),
                checked_in=sum(r.checked_in_at is not None for r in regs),
            )
        return result


class FakeTimers:
    """Pending timers by (kind, key) with their due time and payload, and those cancelled."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}
        self.cancelled: list[tuple[str, str]] = []

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        self.pending[kind, key] = (due_at, payload or {})

    async def schedule_many(self, kind: str, due: Sequence[tuple[str, datetime, dict[str, Any] | None]]) -> None:
        for key, due_at, payload in due:
            await self.schedule(kind, key, due_at, payload)

    async def cancel(self, kind: str, key: str) -> None:
        if self.pending.pop((kind, key), None) is not None:
            self.cancelled.append((kind, key))

    async def cancel_matching(self, key_prefix: str) -> None:
        for kind, key in [k for k in self.pending if k[1].startswith(key_prefix)]:
            await self.cancel(kind, key)


@dataclass
class Store:
    """The training service's tables in memory, shared by the units of work of one test."""

    registrations: FakeRegistrations = field(default_factory=FakeRegistrations)
    roster: FakeRoster = field(default_factory=FakeRoster)
    timers: FakeTimers = field(default_factory=FakeTimers)
    invitations: FakeInvitations = field(init=False)
    gatherings: FakeGatherings = field(init=False)

    def __post_init__(self) -> None:
        self.invitations = FakeInvitations(self.registrations, self.roster)
        self.gatherings = FakeGatherings(self.registrations, self.invitations)

    def unit(self, now: datetime) -> Any:
        """A unit of work at `now` over this store (its events are its own)."""
        return in_memory(TrainingUnit, now=now, gatherings=self.gatherings, registrations=self.registrations,
                         roster=self.roster, invitations=self.invitations, timers=self.timers)  # fmt: skip
