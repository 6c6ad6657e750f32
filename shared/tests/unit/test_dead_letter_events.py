"""A dead letter names its event (id and type) as its record does, read leniently, and nothing of the payload."""

import pytest

from outreach_shared.dead_letters import DeadLetter, event_identity


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (b'{"event_id": "e-1", "type": "visit.requested", "payload": {"name": "Kari"}}', ("e-1", "visit.requested")),
        (b'{"type": "visit.requested", "unexpected": 1}', (None, "visit.requested")),
        (b'{"event_id": 7, "type": ["x"]}', (None, None)),
        (b'["not", "an", "object"]', (None, None)),
        (b"not json at all \xff", (None, None)),
        (b"", (None, None)),
        (None, (None, None)),
    ],
)
def test_the_event_is_named_when_the_record_names_it(value: bytes | None, named: tuple) -> None:
    assert event_identity(value) == named
    assert DeadLetter(offset=0, key=None, value=value, headers={}).event == named
