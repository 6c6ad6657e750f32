"""Dead letters seen on the dead-letter topic: stored once per (partition, offset), reason but no payload."""

from datetime import datetime

from notify.adapters.dead_letters import DeadLetterRepository


async def store(dead_letters: DeadLetterRepository, *, partition: int, offset: int, headers: dict[str, str]) -> bool:
    """Record one dead letter; False when it was already recorded (a redelivery). Headers are whatever the record
    carries: a NUL (Postgres text holds none) is dropped, a time that is not one is left out."""
    return await dead_letters.store(
        partition=partition,
        offset=offset,
        topic=_text(headers.get("x-original-topic", "?")),
        consumer=_text(headers.get("x-dead-letter-consumer", "?")),
        reason=_text(headers.get("x-dead-letter-reason", ""))[:500],
        dead_lettered_at=_time(headers.get("x-dead-lettered-at")),
    )


def _text(value: str) -> str:
    return value.replace("\x00", "")


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
