"""A steady-rate driver through the public APIs, seeded, doing what the system model's rules do (tests/model): schools
book, cancel and reschedule visits; members answer offers (one never does: its offers expire), register for
gatherings published as the run goes (fan-outs of invitations to the whole roster), withdraw, and take places freed
for them; organisers add members, deactivate them and erase them.

Every acknowledged (2xx) request goes into the ledger with the effect it must have; a request that got no definite
answer is counted as unknown (the checker allows it to have had its effect or not, never twice). Bookings are
retried with their Idempotency-Key; the other requests are idempotent by nature (answering an offer, registering).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from faultkit.stack import FaultStack
from faultkit.workload import Booked, Stream, call
from flows_kit import OSLO, member_body, next_weekday_window, random_orgnr, unique_email, unique_phone

from outreach_dev.testing.windows import school_day_start

UNSETTLED = ("requested", "offered")
"""A visit still being staffed: matching has not answered it, or its offers are out."""
CALL_SECONDS = 45.0
"""How long one request is retried through an outage before its outcome is called unknown."""
MIN_ANSWERING = 4
"""Members who answer offers that the roster keeps however many leave (teams are of two)."""

GATHERING_PLACES = 2
"""Few places, and members register for the latest gatherings: waiting lists form, so withdrawals free places that
waiting members are offered and take (the model's rules)."""
REGISTERING_GATHERINGS = 1


@dataclass
class Churn:
    """What the roster and the gatherings' registrations went through (acknowledged)."""

    joined: list[str] = field(default_factory=list)
    deactivated: set[str] = field(default_factory=set)
    erased: set[str] = field(default_factory=set)
    withdrawn: set[tuple[str, str]] = field(default_factory=set)
    """(gathering, member): registrations their members withdrew."""
    places_taken: set[tuple[str, str]] = field(default_factory=set)
    """(gathering, member): waiting members who took a place freed for them."""
    withdrawals_unsure: set[tuple[str, str]] = field(default_factory=set)
    unsure: set[str] = field(default_factory=set)
    """Members whose deactivation or erasure got no definite answer: left alone, and not judged."""


@dataclass
class Unknowns:
    """Requests sent that never got a definite answer, by what they would have done."""

    bookings: list[str] = field(default_factory=list)  # the schools' orgnrs
    other: int = 0


class Workload:
    """The soak's traffic in one municipality, at `rate` requests a second."""

    def __init__(self, stack: FaultStack, *, seed: int, rate: float, kommunenummer: str = "4601",
                 members: int = 8) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.rate = rate
        self.stream = Stream(stack, kommunenummer=kommunenummer, members=members, visits=10_000, lazy=1)
        self.stream.unsettled = UNSETTLED
        self.unknown = Unknowns()
        self.churn = Churn()
        self.sent = 0
        self._day = 0
        self._gatherings = 0
        self._unregistered: dict[str, list[str]] = {}
        self._moving: set[str] = set()

    @property
    def ledger(self):  # noqa: ANN201 - faultkit's Ledger
        """What was acknowledged."""
        return self.stream.ledger

    async def setup(self) -> None:
        """The roster (before any fault), and a first gathering once training knows it."""
        await self.stream.setup()

    async def run(self, seconds: float) -> None:
        """Send at the steady rate for `seconds` (members answer offers alongside), then stop sending."""
        responder = asyncio.create_task(self.stream._respond_forever())
        self.stream._responder = responder
        until = time.monotonic() + seconds
        pending: set[asyncio.Task[None]] = set()
        while time.monotonic() < until:
            task = asyncio.create_task(self._one())
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(self.rng.expovariate(self.rate))
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def finish(self) -> None:
        """Members keep answering until nothing is open (the stream's own finish)."""
        await self.stream.finish(timeout=90)

    async def _one(self) -> None:
        self.sent += 1
        roll = self.rng.random()
        visits = sorted(self.ledger.visits)
        if roll < 0.52:
            await self.book()
        elif roll < 0.60 and visits:
            await self.cancel(self.rng.choice(visits))
        elif roll < 0.68 and visits:
            await self.reschedule(self.rng.choice(visits))
        elif roll < 0.72:
            await self.publish_gathering()
        elif roll < 0.84:
            await self.register()
        elif roll < 0.89:
            await self.withdraw()
        elif roll < 0.94:
            await self.take_place()
        elif roll < 0.96:
            await self.join()
        elif roll < 0.98:
            await self.deactivate()
        else:
            await self.erase()

    def active_members(self) -> list[str]:
        """Members neither deactivated nor erased, in the order they joined."""
        gone = self.churn.deactivated | self.churn.erased | self.churn.unsure
        return [m for m in self.ledger.members if m not in gone]

    async def book(self) -> None:
        """One school books one visit, retried through outages with the same Idempotency-Key."""
        self._day += 1
        orgnr, email = random_orgnr(), unique_email("kontakt")
        body = {
            "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}", "kommunenummer": self.stream.kommunenummer,
                       "address": "Skoleveien 1"},
            "contact": {"name": "Rådgiver Rita", "email": email, "phone": unique_phone()},
            "kind": "school_visit", "audience": {"description": "10. trinn", "pupils": 60},
            "professions": ["nurse"], "language": "nb", "team_size": 2,
            "windows": [next_weekday_window(days_ahead=8 + self._day % 200)],
        }
        headers = self.stack.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)}
        response, _ = await call(self.stack, "booking", "POST", "/v1/visit-requests", json=body, headers=headers,
                                 deadline=time.monotonic() + CALL_SECONDS)
        if response is None:
            self.unknown.bookings.append(orgnr)
        elif response.status_code == 201:
            booked = Booked(response.json()["id"], orgnr, email)
            self.ledger.visits[booked.visit_id] = booked
            self.ledger.accepted += 1

    async def cancel(self, visit_id: str) -> None:
        """The school cancels one of its visits (a visit already cancelled answers 409: no effect)."""
        if visit_id in self.ledger.cancelled:
            return
        booked = self.ledger.visits[visit_id]
        response, _ = await call(self.stack, "booking", "POST", f"/v1/visit-requests/{visit_id}/cancel",
                                 json={"reason": "Eksamen flyttet"}, headers=self.stack.auth("school", booked.orgnr),
                                 deadline=time.monotonic() + CALL_SECONDS)
        if response is None:
            self.unknown.other += 1
        elif response.status_code == 200:
            self.ledger.cancelled.add(visit_id)
            self.ledger.accepted += 1

    async def reschedule(self, visit_id: str) -> None:
        """The school moves a visit still to come to a new window: open offers are withdrawn and the visit is offered
        again; a confirmed team is offered it again and must confirm it again (a past bug left such a visit
        requested for good)."""
        if visit_id in self.ledger.cancelled or visit_id in self._moving:
            return
        booked = self.ledger.visits[visit_id]
        school = self.stack.auth("school", booked.orgnr)
        with contextlib.suppress(httpx.HTTPError):
            shown = await self.stack.client("booking").get(f"/v1/visit-requests/{visit_id}", headers=school)
            if shown.status_code != 200 or shown.json()["status"] not in ("requested", "offered", "confirmed"):
                return
        self._moving.add(visit_id)
        self._day += 1
        window = next_weekday_window(days_ahead=8 + self._day % 200)
        try:
            response, _ = await call(self.stack, "booking", "POST", f"/v1/visit-requests/{visit_id}/reschedule",
                                     json={"windows": [window]}, headers=school,
                                     deadline=time.monotonic() + CALL_SECONDS)
        finally:
            self._moving.discard(visit_id)
        if response is None:
            self.unknown.other += 1
        elif response.status_code == 200:
            self.ledger.rescheduled[visit_id] = self.ledger.rescheduled.get(visit_id, 0) + 1
            self.ledger.accepted += 1

    async def publish_gathering(self) -> None:
        """A gathering for the roster: publishing fans an invitation out to every member."""
        self._gatherings += 1
        organiser = self.stack.auth("organiser")
        body = gathering_body(self.stream.kommunenummer, f"Samling {self._gatherings} ({self.rng.random():.6f})",
                              capacity=GATHERING_PLACES)
        with contextlib.suppress(httpx.HTTPError):  # refused or lost during an outage: nothing acknowledged
            created = await self.stack.client("training").post("/v1/gatherings", json=body, headers=organiser)
            if created.status_code != 201:
                return
            gathering = created.json()["id"]
            published = await self.stack.client("training").post(f"/v1/gatherings/{gathering}/publish",
                                                                 headers=organiser)
            if published.status_code == 200:
                self.ledger.gatherings.append(gathering)
                self.ledger.accepted += 2
                self._unregistered[gathering] = self.active_members()

    async def register(self) -> None:
        """A member registers for a published gathering (a place or the waiting list)."""
        open_ = [g for g, members in self._unregistered.items() if members][-REGISTERING_GATHERINGS:]
        if not open_:
            return
        gathering = self.rng.choice(open_)
        member = self._unregistered[gathering].pop(self.rng.randrange(len(self._unregistered[gathering])))
        if member not in self.active_members():
            return
        before = self.ledger.ambiguous
        await self.stream.register(gathering, member)
        self.unknown.other += self.ledger.ambiguous - before

    async def withdraw(self) -> None:
        """A registered member withdraws: a place they held goes to the first on the waiting list."""
        active = set(self.active_members())
        held = sorted(k for k in self.ledger.registrations if k not in self.churn.withdrawn
                      and k not in self.churn.withdrawals_unsure and k[1] in active)
        if not held:
            return
        gathering, member = self.rng.choice(held)
        response, unknown = await call(self.stack, "training", "DELETE",
                                       f"/v1/gatherings/{gathering}/registrations/me",
                                       ok=(204,), headers=self.stack.auth("member", member),
                                       deadline=time.monotonic() + CALL_SECONDS)
        if response is not None and response.status_code == 204:
            self.churn.withdrawn.add((gathering, member))
            self.ledger.accepted += 1
        elif response is None or unknown:
            self.churn.withdrawals_unsure.add((gathering, member))  # it may have happened: not withdrawn twice
            self.unknown.other += 1

    async def take_place(self) -> None:
        """A member on a waiting list takes the place offered to them (if one is)."""
        active = set(self.active_members())
        waiting = sorted(k for k, status in self.ledger.registrations.items() if status == "waitlisted"
                         and k not in self.churn.withdrawn and k not in self.churn.withdrawals_unsure
                         and k not in self.churn.places_taken and k[1] in active)
        if not waiting:
            return
        gathering, member = self.rng.choice(waiting)
        headers = self.stack.auth("member", member)
        with contextlib.suppress(httpx.HTTPError):
            mine = await self.stack.client("training").get(f"/v1/gatherings/{gathering}/registrations/me",
                                                           headers=headers)
            if mine.status_code != 200 or mine.json()["status"] != "offered":
                return
        response, unknown = await call(self.stack, "training", "POST",
                                       f"/v1/gatherings/{gathering}/registrations/me/accept-offer",
                                       headers=headers, deadline=time.monotonic() + CALL_SECONDS)
        if response is not None and response.status_code == 200:
            self.churn.places_taken.add((gathering, member))
            self.ledger.accepted += 1
        elif response is None or unknown:
            self.unknown.other += 1

    async def join(self) -> None:
        """An organiser adds a member to the roster (later gatherings invite them; matching may offer them)."""
        n = len(self.ledger.members)
        body = member_body(name=f"Medlem{n} Feil", profession="nurse", kommunenummer=self.stream.kommunenummer,
                           max_visits_per_month=31)
        response, unknown = await call(self.stack, "ambassadors", "POST", "/v1/members", json=body,
                                       headers=self.stack.auth("organiser"), deadline=time.monotonic() + CALL_SECONDS)
        if response is not None and response.status_code == 201:
            member = response.json()
            self.ledger.members[member["id"]] = member
            self.churn.joined.append(member["id"])
            self.ledger.accepted += 1
        elif response is None or unknown:
            self.unknown.other += 1

    def _leaving(self) -> str | None:
        """A member who may leave: never the lazy one, and enough answering members stay for teams of two."""
        answering = sorted(set(self.active_members()) & set(self.stream.answering_members()))
        if len(answering) <= MIN_ANSWERING:
            return None
        return self.rng.choice(answering)

    async def deactivate(self) -> None:
        """An organiser deactivates a member: their open offers are withdrawn and seats they held released."""
        member = self._leaving()
        if member is None:
            return
        response, unknown = await call(self.stack, "ambassadors", "POST", f"/v1/members/{member}/deactivate",
                                       headers=self.stack.auth("organiser"), deadline=time.monotonic() + CALL_SECONDS)
        if response is not None and response.status_code == 200:
            self.churn.deactivated.add(member)
            self.ledger.accepted += 1
        elif response is None or unknown:
            self.churn.unsure.add(member)
            self.unknown.other += 1

    async def erase(self) -> None:
        """An organiser erases a member (here and in every service): offers and seats go as on deactivation."""
        member = self._leaving()
        if member is None:
            return
        self.churn.unsure.add(member)  # from now on nobody acts as them, whatever the answer
        response, unknown = await call(self.stack, "ambassadors", "DELETE", f"/v1/members/{member}", ok=(204,),
                                       headers=self.stack.auth("organiser"), deadline=time.monotonic() + CALL_SECONDS)
        if response is not None and response.status_code == 204:
            self.churn.unsure.discard(member)
            self.churn.erased.add(member)
            self.ledger.accepted += 1
        elif response is None or unknown:
            self.unknown.other += 1
        else:
            self.churn.unsure.discard(member)


def gathering_body(kommunenummer: str, title: str, *, capacity: int) -> dict[str, Any]:
    """A gathering in the municipality's county, open for registration now, for nurses (the roster's profession).
    Each has its own title, so two invitations to one member are two notices, not one sent twice."""
    now = datetime.now(OSLO).replace(microsecond=0)
    starts = school_day_start(40)
    return {
        "title": title, "capacity": capacity,
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "venue": {"name": "Samlingshuset", "address": "Torget 1", "kommunenummer": kommunenummer},
        "region": [kommunenummer[:2]], "audience": ["nurse"],
        "registration_opens": (now - timedelta(days=1)).isoformat(),
        "registration_closes": (now + timedelta(days=1)).isoformat(),
        "withdrawal_deadline": (now + timedelta(hours=12)).isoformat(),
        "sessions": [{"title": "Fortellerteknikk", "kind": "storytelling", "starts_at": starts.isoformat(),
                      "ends_at": (starts + timedelta(hours=2)).isoformat()}],
    }
