"""Helpers for the ambassadors integration tests: roster over HTTP, visits over Kafka, offers from SQL."""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel

from outreach_dev.testing.kafka import envelopes_of, publish_envelopes, read_topic
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Envelope, Topics, new_envelope
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow

OSLO = ZoneInfo("Europe/Oslo")


def slot(weeks_ahead: int, iso_weekday: int, hour: int = 9, hours: int = 2) -> TimeWindow:
    """A window on a weekday some weeks from now, Oslo time."""
    today = datetime.now(OSLO).date()
    day = today + timedelta(days=7 * weeks_ahead + (iso_weekday - today.isoweekday()))
    start = datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)
    return TimeWindow(start=start, end=start + timedelta(hours=hours))


@dataclass
class Harness:
    """Talks to the running service: roster over HTTP, visits over Kafka, offers from its schema."""

    svc: RunningService
    bootstrap: str

    @property
    def pool(self) -> asyncpg.Pool:
        return self.svc.runtime.pool

    async def add_member(self, name: str, **fields: Any) -> str:
        body = {
            "name": name,
            "profession": "nurse",
            "kommunenummer": "5001",
            "email": f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:6]}@example.no",
            "phone": f"9{random.randrange(10**6, 10**7)}",
            "languages": ["nb"],
            "weekdays": [1, 2, 3, 4, 5, 6, 7],
        } | fields
        r = await self.svc.client.post("/v1/members", json=body, headers=self.svc.auth("organiser"))
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def publish(self, event: BaseModel, key: str) -> Envelope:
        envelope = new_envelope(event, key=key, producer="booking", correlation_id=f"test-{key}")
        await publish_envelopes(self.bootstrap, envelope)
        return envelope

    async def request_visit(self, **fields: Any) -> VisitRequested:
        visit_id = f"v-{uuid.uuid4().hex[:12]}"
        data: dict[str, Any] = {
            "visit_id": visit_id,
            "orgnr": "974760673",
            "school_name": "Test skole",
            "school_address": "Skolegata 1",
            "kommunenummer": "5001",
            "kind": "school_visit",
            "audience_description": "10. trinn",
            "pupils": 25,
            "professions": ["nurse"],
            "language": "nb",
            "windows": [slot(3, 2)],
            "team_size": 1,
        } | fields
        request = VisitRequested(**data)
        await self.publish(request, visit_id)
        return request

    async def offers(self, visit_id: str) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT o.id::text, o.member_id::text, o.status, o.reason, o.expires_at, o.window_start "
            "FROM offers o WHERE visit_id = $1 ORDER BY created_at, id",
            visit_id,
        )

    async def offered_to(self, visit_id: str, count: int, status: str = "offered") -> list[str]:
        async def check() -> list[str]:
            rows = [r for r in await self.offers(visit_id) if r["status"] == status]
            assert len(rows) >= count, f"{len(rows)} {status} offers for {visit_id}"
            return [r["member_id"] for r in rows]

        return await eventually(check, timeout=30)

    async def events(self, topic: str, key: str, wanted: str, count: int = 1) -> list[Envelope]:
        def ours(records: list[Any]) -> list[Envelope]:
            return [e for e in envelopes_of(records) if e.key == key and e.type == wanted]

        records = await read_topic(self.bootstrap, topic, until=lambda rs: len(ours(rs)) >= count)
        return ours(records)

    async def offer_events(self, visit_id: str, wanted: str, count: int = 1) -> list[Envelope]:
        return await self.events(Topics.OFFERS, visit_id, wanted, count)
