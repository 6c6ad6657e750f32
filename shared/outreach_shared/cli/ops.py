"""Operations behind the CLI that talk to Kafka and Postgres directly."""

from importlib.metadata import entry_points
from typing import Any

from aiokafka import AIOKafkaProducer

from outreach_shared.cli.errors import EXIT_UNAVAILABLE, EXIT_USAGE, fail
from outreach_shared.dead_letters import DeadLetter, read_dead_letters, replay


def service_definitions() -> dict[str, Any]:
    """Every installed service's definition, from the `outreach.services` entry points."""
    return {ep.name: ep.load() for ep in entry_points(group="outreach.services")}


def migrate(service: str) -> list[tuple[str, list[str]]]:
    """Apply migrations for one service or all; returns (service, applied ids)."""
    from outreach_shared.db import apply_migrations_sync

    definitions = service_definitions()
    names = sorted(definitions) if service == "all" else [service]
    results = []
    for name in names:
        if name not in definitions:
            fail(f"unknown service {name!r}; known: {', '.join(sorted(definitions))}", EXIT_USAGE)
        definition = definitions[name]
        settings = definition.settings_factory()
        try:
            applied = apply_migrations_sync(settings.database_url.get_secret_value(),
                                            settings.database_schema or definition.schema,
                                            definition.migrations_dir)
        except Exception as exc:
            fail(f"{name}: migrations failed: {type(exc).__name__}: {exc}", EXIT_UNAVAILABLE)
        results.append((name, applied))
    return results


def _describe(letter: DeadLetter) -> dict[str, Any]:
    event_id, event_type = letter.event
    return {
        "offset": letter.offset,
        "event_id": event_id,
        "event_type": event_type,
        "reason": letter.reason,
        "consumer": letter.headers.get("x-dead-letter-consumer"),
        "attempts": letter.headers.get("x-dead-letter-attempts"),
        "original": f"{letter.original_topic}[{letter.headers.get('x-original-partition')}]"
        f"@{letter.headers.get('x-original-offset')}",
        "dead_lettered_at": letter.headers.get("x-dead-lettered-at"),
    }


async def list_dead_letters(bootstrap: str, limit: int) -> list[dict[str, Any]]:
    """Dead letters described without their payload."""
    try:
        letters = await read_dead_letters(bootstrap, limit=limit)
    except Exception as exc:
        fail(f"cannot read dead letters from {bootstrap}: {type(exc).__name__}: {exc}", EXIT_UNAVAILABLE)
    return [_describe(letter) for letter in letters]


async def replay_dead_letters(bootstrap: str, offsets: list[int] | None, replay_all: bool) -> int:
    """Replay the chosen dead letters; returns how many."""
    letters = await read_dead_letters(bootstrap, limit=100_000)
    chosen = letters if replay_all else [letter for letter in letters if letter.offset in set(offsets or [])]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        async def publish(topic: str, key: bytes | None, value: bytes | None, headers: dict[str, str]) -> None:
            await producer.send_and_wait(topic, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()])

        for letter in chosen:
            await replay(letter, publish)
    finally:
        await producer.stop()
    return len(chosen)
