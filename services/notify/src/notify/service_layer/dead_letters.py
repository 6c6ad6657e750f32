"""Dead letters seen on the dead-letter topic: stored once per (partition, offset), reason but no payload."""

from datetime import datetime

from notify.adapters.dead_letters import DeadLetterRepository
from outreach_shared.dead_letters import event_identity


async def store(dead_letters: DeadLetterRepository, *, partition: int, offset: int, headers: dict[str, str],
                value: bytes | None) -> bool:  # fmt: skip
    """Record one dead letter; False when it was already recorded (a redelivery). Headers are whatever the record
    carries: a NUL (Postgres text holds none) is dropped, a time that is not one is left out. Of the value only the
    event's id and type are kept (when it names them), never the payload."""
    event_id, event_type = event_identity(value)
    return await dead_letters.store(
        partition=partition,
        offset=offset,
        topic=_text(headers.get("x-original-topic", "?")),
        consumer=_text(headers.get("x-dead-letter-consumer", "?")),
        reason=_text(headers.get("x-dead-letter-reason", ""))[:500],
        dead_lettered_at=_time(headers.get("x-dead-lettered-at")),
        event_id=_text(event_id)[:100] if event_id else None,
        event_type=_text(event_type)[:100] if event_type else None,
    )


def _text(value: str) -> str:
    return value.replace("\x00", "")


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
