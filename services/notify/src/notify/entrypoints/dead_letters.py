"""A plain FastStream subscriber on the dead-letter topic (its records are not envelopes)."""

import asyncio
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from notify.adapters.dead_letters import DeadLetterRepository
from notify.service_layer import dead_letters
from outreach_shared.bulkheads import count_set_aside, describe, is_transient
from outreach_shared.contracts import Topics
from outreach_shared.kafka import the_message
from outreach_shared.logging import get_logger

log = get_logger(__name__)


def subscribe_dead_letters(broker: KafkaBroker, pool: asyncpg.Pool, *, group_id: str) -> None:
    """Store each dead letter's origin and reason (idempotent by partition and offset), then commit."""
    repository = DeadLetterRepository(pool)

    @broker.subscriber(
        Topics.DEAD_LETTERS,
        group_id=group_id,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        decoder=the_message,
        title="notify:dead-letters",
        description="Records dead letters (origin and reason, no payload) for the organisers' digest",
    )
    async def on_dead_letter(msg: Any) -> None:  # the KafkaMessage (`the_message`); Any keeps AsyncAPI working
        raw = msg.raw_message
        assert not isinstance(raw, tuple)  # one record per call, not a batch
        headers = {k: v.decode(errors="replace") for k, v in (raw.headers or ())}
        delay = 0.2
        while True:  # the offset is committed only once the dead letter is stored
            try:
                new = await dead_letters.store(repository, partition=raw.partition, offset=raw.offset, headers=headers,
                                               value=raw.value)  # fmt: skip
                break
            except Exception as exc:
                if not is_transient(exc):  # the same on every attempt: it stays on the topic; the others go on
                    count_set_aside("notify", "dead-letters", describe(exc), offset=str(raw.offset))
                    new = False
                    break
                log.warning("storing a dead letter failed; retrying", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        log.info("dead letter recorded" if new else "dead letter already recorded", offset=raw.offset)
        await msg.ack()
