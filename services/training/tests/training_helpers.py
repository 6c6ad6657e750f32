"""Helpers for the integration tests: roster events in, gathering events out, polling with a deadline."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import BaseModel

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.windows import school_day_start
from outreach_shared.contracts import Envelope, Topics, new_envelope
from outreach_shared.contracts import ambassadors as a

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 20.0, interval: float = 0.2) -> T:
    """Poll `check` until it returns something truthy (and return it) or fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last result: {result!r})")
        await asyncio.sleep(interval)


def uid(prefix: str) -> str:
    """A unique id for one test: a UUID, as members' ids are (the kit's caller refuses a member token without one);
    `prefix` only names what the id is for where it is made."""
    del prefix
    return str(uuid.uuid4())


def snapshot(member_id: str, *, county: str, profession: str = "nurse", active: bool = True) -> a.MemberSnapshot:
    """A roster snapshot as the ambassadors service publishes it."""
    return a.MemberSnapshot(
        member_id=member_id,
        name="Test Person",
        first_name="Test",
        profession=profession,  # type: ignore[arg-type]
        kommunenummer="0301",
        fylke=county,
        email=f"{member_id}@example.org",
        phone="+4790000000",
        languages=["nb"],
        preferred_language="nb",
        active=active,
    )


class Roster:
    """Publishes member events to the roster topic, as the ambassadors service would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, event: BaseModel, member_id: str) -> None:
        """Publish one member event keyed by the member id."""
        envelope = new_envelope(event, key=member_id, producer="ambassadors", correlation_id=uid("test"))
        await self._producer.send_and_wait(Topics.MEMBERS, envelope.to_bytes(), key=member_id.encode())

    async def register(self, member_id: str, **kwargs: Any) -> None:
        """A member joins the roster."""
        await self.send(a.MemberRegistered(member=snapshot(member_id, **kwargs)), member_id)


class GatheringEvents:
    """Everything on the gatherings topic since the session started, collected in the background."""

    def __init__(self) -> None:
        self.seen: list[Envelope] = []

    async def run(self, consumer: AIOKafkaConsumer) -> None:
        """Collect records until cancelled."""
        async for record in consumer:
            if record.value:
                self.seen.append(Envelope.from_bytes(record.value))

    def of(self, gathering_id: str, event_type: str) -> list[dict[str, Any]]:
        """Payloads of one type for one gathering, in order."""
        return [e.payload for e in self.seen if e.key == gathering_id and e.type == event_type]

    async def wait_for(
        self, gathering_id: str, event_type: str, count: int = 1, *, timeout: float = 20.0
    ) -> list[dict[str, Any]]:
        """Wait until at least `count` events of the type arrived for the gathering."""

        async def enough() -> list[dict[str, Any]]:
            found = self.of(gathering_id, event_type)
            return found if len(found) >= count else []

        return await eventually(enough, timeout=timeout)


@contextlib.asynccontextmanager
async def gathering_events(kafka_bootstrap: str) -> AsyncIterator[GatheringEvents]:
    """Collect the gatherings topic in the background while the block runs."""
    consumer = AIOKafkaConsumer(
        Topics.GATHERINGS,
        bootstrap_servers=kafka_bootstrap,
        group_id=uid("training-test"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    events = GatheringEvents()
    task = asyncio.create_task(events.run(consumer))
    try:
        yield events
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


@contextlib.contextmanager
def frozen_clock(svc: RunningService, at: datetime) -> Iterator[None]:
    """Make the service believe it is `at` (HTTP and event handlers) while the block runs."""
    previous = svc.runtime.clock
    svc.runtime.clock = MovableClock(at)
    try:
        yield
    finally:
        svc.runtime.clock = previous


def gathering_body(county: str, *, capacity: int = 5, **changes: Any) -> dict[str, Any]:
    """A gathering for nurses in `county`: registration open now for 30 days, held from 10:00 on the first school day
    40 days ahead."""
    now = datetime.now(UTC)
    starts = school_day_start(40)  # 10:00 Oslo time: a gathering keeps the day's hours
    body: dict[str, Any] = {
        "title": "Samling 2025",
        "starts_at": starts,
        "ends_at": starts + timedelta(days=1),
        "venue": {"name": "Scandic", "address": "Gate 1", "kommunenummer": "4601"},
        "region": [county],
        "audience": ["nurse"],
        "capacity": capacity,
        "registration_opens": now - timedelta(hours=1),
        "registration_closes": now + timedelta(days=30),
        "withdrawal_deadline": now + timedelta(days=35),
        "sessions": [
            {
                "title": "Storytelling",
                "kind": "storytelling",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
            },
        ],
    }
    body.update(changes)
    return json.loads(json.dumps(body, default=datetime.isoformat))  # type: ignore[no-any-return]


async def in_roster(svc: RunningService, member_ids: list[str]) -> None:
    """Wait until the service has recorded every member."""

    async def recorded() -> bool:
        n = await svc.runtime.pool.fetchval("SELECT count(*) FROM members WHERE member_id = ANY($1)", member_ids)
        return bool(n == len(member_ids))

    await eventually(recorded)


async def published_gathering(svc: RunningService, body: dict[str, Any]) -> str:
    """Create and publish a gathering; returns its id."""
    created = await svc.client.post("/v1/gatherings", json=body, headers=svc.auth("organiser"))
    assert created.status_code == 201, created.text
    gathering_id: str = created.json()["id"]
    published = await svc.client.post(f"/v1/gatherings/{gathering_id}/publish", headers=svc.auth("organiser"))
    assert published.status_code == 200, published.text
    return gathering_id
