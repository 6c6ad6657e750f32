"""A steady, bounded stream through the public APIs: schools book visits, members answer offers and register for a
gathering. Every request that was definitely accepted (2xx) goes into the ledger the invariants are checked against.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from flows_kit import OSLO, next_weekday_window, random_orgnr, register_member, unique_email, unique_phone

from faultkit.stack import FaultStack
from outreach_dev.testing.windows import school_day_start

RETRY_SECONDS = 90.0


@dataclass
class Booked:
    """A visit request booking accepted (201)."""

    visit_id: str
    orgnr: str
    contact_email: str


@dataclass
class Ledger:
    """What the public APIs accepted during one scenario."""

    accepted: int = 0
    ambiguous: int = 0
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    visits: dict[str, Booked] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    registrations: dict[tuple[str, str], str] = field(default_factory=dict)
    gatherings: list[str] = field(default_factory=list)
    cancelled: set[str] = field(default_factory=set)
    rescheduled: dict[str, int] = field(default_factory=dict)
    """Confirmed visits their school moved to new windows: how many times each."""


async def call(stack: FaultStack, service: str, method: str, url: str, *, ok: tuple[int, ...] = (200, 201),
               deadline: float | None = None, **kwargs: Any) -> tuple[httpx.Response | None, bool]:
    """Send until a definite answer: (response, retried-after-an-unknown-outcome). Connection failures and
    503 (the service or its database is away) are retried; other answers are returned as they are."""
    deadline = deadline or time.monotonic() + RETRY_SECONDS
    unknown = False
    while time.monotonic() < deadline:
        try:
            response = await stack.client(service).request(method, url, **kwargs)
        except httpx.ConnectError:
            await asyncio.sleep(0.3)  # nothing was sent
            continue
        except httpx.TransportError:
            unknown = True  # sent, but the answer was lost: the request may or may not have had its effect
            await asyncio.sleep(0.3)
            continue
        if response.status_code in (502, 503, 504) or (response.status_code >= 500 and response.status_code not in ok):
            unknown = unknown or response.status_code >= 500
            await asyncio.sleep(0.3)
            continue
        return response, unknown
    return None, unknown


class Stream:
    """One scenario's traffic in its own municipality: a roster, a gathering, visit requests and answers."""

    def __init__(self, stack: FaultStack, *, kommunenummer: str, members: int = 6, visits: int = 8,
                 interval: float = 1.2, lazy: int = 1) -> None:
        self.stack = stack
        self.kommunenummer = kommunenummer
        self.county = kommunenummer[:2]
        self.member_count = members
        self.max_visits = visits
        self.interval = interval
        self.lazy = lazy
        self.unsettled: tuple[str, ...] = ("requested",)
        """Visit statuses that are open work: `finish` waits while a visit has one (the soak adds 'offered')."""
        self.ledger = Ledger()
        self._day = 0
        self._responder: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ set-up (no faults yet)

    async def setup(self) -> None:
        """Register the roster; once training knows it, schedule and publish a gathering for them."""
        for n in range(self.member_count):
            member = await register_member(self.stack, name=f"Medlem{n} Feil", profession="nurse",
                                           kommunenummer=self.kommunenummer, max_visits_per_month=31)
            self.ledger.members[member["id"]] = member
            self.ledger.accepted += 1

    async def publish_gathering(self) -> str:
        """A gathering in the stream's county with fewer places than members (call once training has the roster)."""
        now = datetime.now(OSLO).replace(microsecond=0)
        starts = school_day_start(40)  # 10:00 Oslo time: a gathering keeps the day's hours
        body = {
            "title": f"Årssamling {self.kommunenummer}", "capacity": max(1, self.member_count // 2),
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
            "venue": {"name": "Samlingshuset", "address": "Torget 1", "kommunenummer": self.kommunenummer},
            "region": [self.county], "audience": ["nurse"],
            "registration_opens": (now - timedelta(days=1)).isoformat(),
            "registration_closes": (now + timedelta(days=1)).isoformat(),
            "withdrawal_deadline": (now + timedelta(hours=12)).isoformat(),
            "sessions": [{"title": "Fortellerteknikk", "kind": "storytelling", "starts_at": starts.isoformat(),
                          "ends_at": (starts + timedelta(hours=2)).isoformat()}],
        }
        organiser = self.stack.auth("organiser")
        created = await self.stack.client("training").post("/v1/gatherings", json=body, headers=organiser)
        assert created.status_code == 201, created.text
        gathering = created.json()["id"]
        published = await self.stack.client("training").post(f"/v1/gatherings/{gathering}/publish", headers=organiser)
        assert published.status_code == 200, published.text
        self.ledger.accepted += 2
        self.ledger.gatherings.append(gathering)
        return gathering

    # ------------------------------------------------------------------ the stream

    async def run_during(self, fault: Awaitable[Any], *, tail_seconds: float = 4.0) -> Any:
        """Book, answer and register steadily while `fault` runs (and a little after); returns its result."""
        self._responder = asyncio.create_task(self._respond_forever())
        producer = asyncio.create_task(self._produce_forever())
        try:
            result = await fault
            await asyncio.sleep(tail_seconds)
            return result
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def finish(self, timeout: float = 60.0) -> None:
        """Keep answering until every visit has left 'requested' and no answerable offer is open."""
        deadline = time.monotonic() + timeout
        responder, self._responder = self._responder, None
        try:
            while time.monotonic() < deadline:
                if not await self._open_work():
                    return
                await asyncio.sleep(1.0)
        finally:
            if responder is not None:
                responder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await responder

    async def _produce_forever(self) -> None:
        members = list(self.ledger.members)
        gathering = self.ledger.gatherings[0] if self.ledger.gatherings else None
        while True:
            if len(self.ledger.visits) < self.max_visits:
                await self.book_visit()
            if gathering and members:
                await self.register(gathering, members.pop(0))
            await asyncio.sleep(self.interval)

    async def book_visit(self, *, kommunenummer: str | None = None, contact_email: str | None = None,
                         team_size: int = 2) -> Booked | None:
        """One school books one visit (a new weekday each time); retried with its Idempotency-Key."""
        self._day += 1
        orgnr = random_orgnr()
        email = contact_email or unique_email("kontakt")
        body = {
            "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}",
                       "kommunenummer": kommunenummer or self.kommunenummer, "address": "Skoleveien 1"},
            "contact": {"name": "Rådgiver Rita", "email": email, "phone": unique_phone()},
            "kind": "school_visit", "audience": {"description": "10. trinn", "pupils": 60},
            "professions": ["nurse"], "language": "nb", "team_size": team_size,
            "windows": [next_weekday_window(days_ahead=8 + 2 * self._day)],
        }
        headers = self.stack.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)}
        response, _ = await call(self.stack, "booking", "POST", "/v1/visit-requests", json=body, headers=headers)
        assert response is not None, "booking never answered"
        assert response.status_code == 201, response.text
        booked = Booked(response.json()["id"], orgnr, email)
        self.ledger.visits[booked.visit_id] = booked
        self.ledger.accepted += 1
        return booked

    async def register(self, gathering: str, member_id: str) -> None:
        """A member registers for the gathering."""
        response, unknown = await call(self.stack, "training", "POST", f"/v1/gatherings/{gathering}/registrations",
                                       json={"dietary": "vegetar"}, headers=self.stack.auth("member", member_id))
        if response is not None and response.status_code in (200, 201):
            self.ledger.registrations[(gathering, member_id)] = response.json()["status"]
            self.ledger.accepted += 1
        elif unknown:
            self.ledger.ambiguous += 1

    async def cancel(self, visit_id: str) -> None:
        """The school cancels its visit."""
        booked = self.ledger.visits[visit_id]
        response, _ = await call(self.stack, "booking", "POST", f"/v1/visit-requests/{visit_id}/cancel",
                                 json={"reason": "Eksamen flyttet"}, headers=self.stack.auth("school", booked.orgnr))
        assert response is not None and response.status_code == 200, response and response.text
        self.ledger.cancelled.add(visit_id)
        self.ledger.accepted += 1

    # ------------------------------------------------------------------ members answering offers

    def answering_members(self) -> list[str]:
        """Members who answer offers (the first `lazy` ones never do: their offers expire)."""
        return list(self.ledger.members)[self.lazy:]

    async def _respond_forever(self) -> None:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                await self.respond_once()
            await asyncio.sleep(0.7)

    async def respond_once(self) -> int:
        """Each answering member answers their open offers: one in four is declined, the rest accepted."""
        answered = 0
        for member_id in self.answering_members():
            for offer in await self._open_offers(member_id):
                verb = "decline" if int(offer["id"][-1], 16) % 4 == 0 else "accept"
                response, unknown = await call(self.stack, "ambassadors", "POST", f"/v1/offers/{offer['id']}/{verb}",
                                               headers=self.stack.auth("member", member_id))
                if response is not None and response.status_code == 200:
                    self.ledger.answers[offer["id"]] = verb
                    self.ledger.accepted += 1
                    answered += 1
                elif unknown:
                    self.ledger.ambiguous += 1
        return answered

    async def _open_offers(self, member_id: str) -> list[dict[str, Any]]:
        response = await self.stack.client("ambassadors").get("/v1/me/offers",
                                                               headers=self.stack.auth("member", member_id))
        if response.status_code != 200:
            return []
        return [o for o in response.json() if o["status"] == "offered" and o["visit_id"] in self.ledger.visits]

    async def _open_work(self) -> bool:
        for member_id in self.ledger.members:  # the lazy members' offers must expire (their timers fire)
            if await self._open_offers(member_id):
                return True
        for visit_id, booked in self.ledger.visits.items():
            response = await self.stack.client("booking").get(f"/v1/visit-requests/{visit_id}",
                                                              headers=self.stack.auth("school", booked.orgnr))
            if response.status_code != 200 or response.json()["status"] in self.unsettled:
                return True
        return False
