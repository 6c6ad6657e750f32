"""Dead letters are stored once, without payload, and listed in the organisers' daily digest."""

import asyncpg
from aiokafka import AIOKafkaProducer

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics

from .conftest import ORGANISERS
from .helpers import uid
from .smtp import RecordingHandler


async def test_dead_letters_are_stored_once_and_listed_in_the_digest(
    service: RunningService, kafka_bootstrap: str, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    reason = f"invalid payload: {uid('field')}: Field required"
    headers = [
        ("x-dead-letter-reason", reason.encode()),
        ("x-dead-letter-consumer", b"ambassadors"),
        ("x-dead-letter-attempts", b"1"),
        ("x-original-topic", b"outreach.visits"),
        ("x-dead-lettered-at", b"2025-10-14T06:00:00+00:00"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(Topics.DEAD_LETTERS, b'{"secret": "Kari Nordmann"}', key=b"k", headers=headers)
    finally:
        await producer.stop()
    row = await eventually(lambda: db.fetchrow("SELECT * FROM dead_letters WHERE reason = $1", reason))
    assert (row["topic"], row["consumer"]) == ("outreach.visits", "ambassadors")
    assert "Kari" not in str(dict(row.items()))

    pending = await eventually(
        lambda: db.fetchval("SELECT count(*) FROM timers WHERE kind = 'organiser-digest' AND status = 'pending'")
    )
    assert pending == 1
    await db.execute("UPDATE timers SET due_at = now() WHERE kind = 'organiser-digest' AND status = 'pending'")

    async def digest_to(address: str):  # type: ignore[no-untyped-def]
        found = [m for m in smtp.to(address) if reason in m.get_body(("plain",)).get_content()]
        return found[0] if found else None

    for organiser in ORGANISERS:
        message = await eventually(lambda o=organiser: digest_to(o))
        assert " ".join(str(message["Subject"]).split()).startswith("Daglig oversikt")
    assert await db.fetchval("SELECT count(*) FROM timers WHERE kind = 'organiser-digest' AND status = 'pending'") == 1
