"""Repositories in memory for the ambassadors service's use cases (no database)."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ambassadors.adapters.candidates import CandidateQuery
from ambassadors.domain.availability import Candidate
from ambassadors.domain.members import Member
from ambassadors.domain.offers import Offer
from ambassadors.domain.visits import Visit


class FakeMembers:
    """The roster, by id."""

    def __init__(self, *members: Member) -> None:
        self.by_id = {m.id: m for m in members}

    async def get(self, member_id: str, *, for_update: bool = False) -> Member | None:
        return self.by_id.get(member_id)

    async def get_many(self, member_ids: Sequence[str]) -> dict[str, Member]:
        return {i: self.by_id[i] for i in member_ids if i in self.by_id}


class FakeOffers:
    """Offers, in the order they were made."""

    def __init__(self, *offers: Offer) -> None:
        self.by_id = {o.id: o for o in offers}

    async def get(self, offer_id: str, *, for_update: bool = False) -> Offer | None:
        return self.by_id.get(offer_id)

    async def save(self, offer: Offer, *, answered: bool = False) -> None:
        self.by_id[offer.id] = offer

    async def for_visit(self, visit_id: str, round_: int | None = None) -> list[Offer]:
        return [o for o in self.by_id.values() if o.visit_id == visit_id and round_ in (None, o.round)]

    async def hold(self, offers: Sequence[Offer], *, travel_buffer: timedelta) -> bool:
        self.by_id.update((o.id, o) for o in offers)
        return True


class FakeVisits:
    """Visits being staffed, by id."""

    def __init__(self, *visits: Visit) -> None:
        self.by_id = {v.id: v for v in visits}

    async def get(self, visit_id: str, *, for_update: bool = False) -> Visit | None:
        return self.by_id.get(visit_id)

    async def add(self, visit: Visit) -> bool:
        return self.by_id.setdefault(visit.id, visit) is visit

    async def save(self, visit: Visit) -> None:
        self.by_id[visit.id] = visit


class FakeCandidates:
    """The same candidates for every query, best first."""

    def __init__(self, *candidates: Candidate) -> None:
        self.candidates = list(candidates)

    async def load(self, q: CandidateQuery, *, now: datetime) -> list[Candidate]:
        return self.candidates[: q.limit]


class FakeTimers:
    """Pending timers by (kind, key), and those cancelled."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], datetime] = {}
        self.cancelled: list[tuple[str, str]] = []

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        self.pending[kind, key] = due_at

    async def schedule_many(self, kind: str, due: Sequence[tuple[str, datetime, dict[str, Any] | None]]) -> None:
        for key, due_at, _ in due:
            self.pending[kind, key] = due_at

    async def cancel(self, kind: str, key: str) -> None:
        self.cancelled.append((kind, key))
        self.pending.pop((kind, key), None)

    async def cancel_matching(self, key_prefix: str) -> None:
        for kind, key in [k for k in self.pending if k[1].startswith(key_prefix)]:
            await self.cancel(kind, key)
