"""Log lines of a handled event are JSON and carry the service, event id and correlation id; no personal data."""

import json
import logging

import kit_process
import pytest
import structlog

from outreach_shared.consumer import EventConsumer, HandlerContext, Record
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.logging import configure_logging, get_logger


@pytest.fixture
def json_logs(capsys):
    """Logging configured as in production (JSON) into the captured stderr, restored afterwards."""
    configure_logging("kit", json=True)
    yield capsys
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    logging.getLogger().handlers = []


async def test_every_log_line_of_a_handled_event_carries_its_ids(kit_pool, subject, json_logs):
    capsys = json_logs
    seen_inside: list[str] = []

    async def handler(ctx: HandlerContext, payload) -> None:  # noqa: ANN001
        get_logger("kit.handler").info("handling attendance", email="someone@example.no")
        seen_inside.append(payload.gathering_id)

    consumer = EventConsumer(name=f"log-{subject}", pool=kit_pool,
                             handlers={"gathering.attendance-recorded": handler}, dead_letter=_never)
    envelope = new_envelope(kit_process.make_event(subject), key=subject, producer="kit", correlation_id=f"c-{subject}")
    await consumer.handle(Record(Topics.GATHERINGS, 0, 0, subject.encode(), envelope.to_bytes()))

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("event_id") == str(envelope.event_id)]
    assert {line["event"] for line in ours} >= {"handling attendance", "event handled"}
    for line in ours:
        assert line["correlation_id"] == f"c-{subject}"
        assert line["service"] == "kit"
        assert line["event_type"] == "gathering.attendance-recorded"
    handler_line = next(line for line in ours if line["event"] == "handling attendance")
    assert handler_line["email"] == "[redacted]"
    assert "someone@example.no" not in json.dumps(lines)
    assert seen_inside == [subject]


async def _never(record: Record, reason: str, attempts: int) -> None:
    raise AssertionError(f"unexpected dead letter: {reason}")
