"""Helpers of booking's integration tests: the clock, Kafka tap and producer, API short-hands (`MovableClock` and
`eventually` are the dev kit's, re-exported for the test modules)."""

import asyncio
import random
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import BaseModel

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.bounds.times import OSLO
from outreach_shared.contracts import Envelope, Topics, new_envelope
from outreach_shared.contracts.common import TeamMember
from outreach_shared.orgnr import is_valid_orgnr

START = datetime(2027, 3, 1, 12, tzinfo=UTC)
"""The tests' fixed "now": four weeks before the spring DST change of 2027 (28 March)."""


def new_orgnr() -> str:
    """A random organisation number with a valid check digit."""
    while True:
        candidate = f"{random.randint(80_000_000, 99_999_999)}"
        for digit in range(10):
            if is_valid_orgnr(candidate + str(digit)):
                return candidate + str(digit)


__all__ = ["MovableClock", "eventually"]  # with the helpers below


class KafkaTap:
    """Reads everything booking publishes (visits and visit-contacts) from the start, in the background."""

    def __init__(self, bootstrap: str) -> None:
        self.seen: list[Envelope] = []
        self._consumer = AIOKafkaConsumer(
            Topics.VISITS,
            Topics.VISIT_CONTACTS,
            bootstrap_servers=bootstrap,
            group_id=f"booking-tests-{uuid.uuid4()}",
            auto_offset_reset="earliest",
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for record in self._consumer:
            if record.value:
                self.seen.append(Envelope.from_bytes(record.value))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._consumer.stop()

    def of(self, visit_id: str, event_type: str | None = None) -> list[Envelope]:
        """Events read so far for a visit (optionally of one type), in order."""
        return [e for e in self.seen if e.key == visit_id and (event_type is None or e.type == event_type)]

    async def wait_for(self, visit_id: str, event_type: str, count: int = 1) -> list[Envelope]:
        """Wait until `count` events of the type arrived for the visit; returns them."""

        async def check() -> list[Envelope] | None:
            found = self.of(visit_id, event_type)
            return found if len(found) >= count else None

        return await eventually(check)


class Ambassadors:
    """Publishes the ambassadors service's events to Kafka, as that service would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, topic: str, event: BaseModel, *, key: str) -> Envelope:
        envelope = new_envelope(event, key=key, producer="ambassadors", correlation_id=f"test-{uuid.uuid4()}")
        await self.send_envelope(topic, envelope)
        return envelope

    async def send_envelope(self, topic: str, envelope: Envelope) -> None:
        """Publish an envelope as it is (e.g. to redeliver one)."""
        await self._producer.send_and_wait(topic, envelope.to_bytes(), key=envelope.key.encode())


def school_day_window(day: datetime) -> dict[str, str]:
    """The whole school day (08:00–16:00 Oslo time) of the Oslo date of `day`: a window every slot of that day fits."""
    local = day.astimezone(OSLO).date()
    start, end = datetime.combine(local, time(8), OSLO), datetime.combine(local, time(16), OSLO)
    return {"start": start.isoformat(), "end": end.isoformat()}


def request_body(orgnr: str, *, start: datetime | None = None, **changes: Any) -> dict[str, Any]:
    """A valid visit request body for the school, its one window the school day 14 days after START (a Monday)
    unless `start` gives another (school) day."""
    start = start or START + timedelta(days=14)
    body: dict[str, Any] = {
        "school": {"orgnr": orgnr, "name": "Byskolen", "kommunenummer": "0301", "address": "Skolegata 1, Oslo"},
        "contact": {"name": "Kari Lærer", "email": "kari@byskolen.no", "phone": "412 34 567"},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": ["nurse", "health_worker"],
        "language": "nb",
        "windows": [school_day_window(start)],
    }
    body.update(changes)
    return body


# Member ids are UUIDs, as the kit's caller checks them in member tokens.
KARI, OLA = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
PER, SEN = "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"
STRANGER, SOMEONE = "55555555-5555-4555-8555-555555555555", "66666666-6666-4666-8666-666666666666"
TEAM = [
    TeamMember(member_id=KARI, first_name="Kari", profession="nurse"),
    TeamMember(member_id=OLA, first_name="Ola", profession="health_worker"),
]


class Api:
    """Short-hands for the booking HTTP API."""

    def __init__(self, svc: RunningService) -> None:
        self.svc = svc

    def school(self, orgnr: str) -> dict[str, str]:
        return self.svc.auth("school", orgnr)

    def organiser(self) -> dict[str, str]:
        return self.svc.auth("organiser")

    def member(self, member_id: str) -> dict[str, str]:
        return self.svc.auth("member", member_id)

    async def create(self, orgnr: str, **changes: Any) -> str:
        """Create a visit request for the school; returns its id."""
        headers = {**self.school(orgnr), "Idempotency-Key": str(uuid.uuid4())}
        r = await self.svc.client.post("/v1/visit-requests", json=request_body(orgnr, **changes), headers=headers)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def get(self, visit_id: str, orgnr: str) -> dict[str, Any]:
        r = await self.svc.client.get(f"/v1/visit-requests/{visit_id}", headers=self.school(orgnr))
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def status_becomes(self, visit_id: str, orgnr: str, status: str) -> dict[str, Any]:
        """Wait until the visit has the status; returns the visit."""

        async def check() -> dict[str, Any] | None:
            visit = await self.get(visit_id, orgnr)
            return visit if visit["status"] == status else None

        return await eventually(check)
