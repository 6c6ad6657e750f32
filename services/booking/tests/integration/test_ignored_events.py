"""Stale team events are recorded once: a redelivery (even past the inbox) asks for no second release."""

from uuid import uuid4

from booking.adapters.ignored_events import IgnoredEventRepository


async def test_recording_the_same_ignored_event_twice_reports_the_redelivery(booking) -> None:  # noqa: ANN001
    event_id = uuid4()
    fields = {
        "event_id": event_id,
        "event_type": "team.confirmed",
        "visit_id": f"v-{uuid4().hex[:8]}",
        "reason": "visit is cancelled",
        "member_ids": ["m-1"],
    }
    async with booking.runtime.pool.acquire() as conn:
        assert await IgnoredEventRepository(conn).add(**fields) is True
        assert await IgnoredEventRepository(conn).add(**fields) is False
        assert await conn.fetchval("SELECT count(*) FROM ignored_events WHERE event_id = $1", event_id) == 1
