"""Which failures a loop retries and which make it set the item aside: one definition for every loop."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import asyncpg
import jinja2
import pytest
from aiokafka import errors as kafka
from pydantic import BaseModel, ValidationError

from outreach_shared.bulkheads import describe, is_permanent, is_transient, must_set_aside
from outreach_shared.errors import PermanentEventError


class Window(BaseModel):
    start: datetime


def _raised(call: object) -> BaseException:
    try:
        call()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - the test wants whatever it raises
        return exc
    raise AssertionError("did not raise")


OUT_OF_RANGE = _raised(lambda: datetime(9999, 12, 31, 23, tzinfo=UTC).astimezone(ZoneInfo("Europe/Oslo")))
INVALID = _raised(lambda: Window.model_validate({"start": "not a time"}))


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(),
        TimeoutError(),
        asyncpg.CannotConnectNowError("starting up"),
        asyncpg.DeadlockDetectedError("deadlock"),
        asyncpg.SerializationError("serialization"),
        asyncpg.InterfaceError("connection is closed"),
        kafka.KafkaConnectionError(),
        kafka.KafkaTimeoutError(),
        kafka.NotLeaderForPartitionError(),
        kafka.BrokerNotAvailableError(),
    ],
)
def test_outages_and_deadlocks_are_retried_and_never_set_aside(exc: BaseException) -> None:
    assert is_transient(exc) and not is_permanent(exc)
    assert not must_set_aside(exc, attempts=1000, max_attempts=5)


@pytest.mark.parametrize(
    "exc",
    [
        OUT_OF_RANGE,
        INVALID,
        ValueError("bad"),
        TypeError("bad"),
        KeyError("missing"),
        ZeroDivisionError(),
        PermanentEventError("impossible"),
        asyncpg.DatetimeFieldOverflowError("date/time field value out of range"),
        asyncpg.exceptions._base.DataError("invalid input for query argument $1"),
        kafka.MessageSizeTooLargeError(),
    ],
)
def test_errors_of_the_item_itself_are_set_aside_at_once(exc: BaseException) -> None:
    assert is_permanent(exc) and not is_transient(exc)
    assert must_set_aside(exc, attempts=1, max_attempts=5)


def test_a_template_error_is_permanent_though_the_kit_does_not_depend_on_the_engine() -> None:
    error = _raised(lambda: jinja2.Environment(undefined=jinja2.StrictUndefined).from_string("{{ x.y }}").render())
    assert is_permanent(error)


def test_an_error_of_no_known_kind_is_retried_until_its_attempts_are_spent() -> None:
    bug = RuntimeError("something new")
    assert not is_transient(bug) and not is_permanent(bug)
    assert not must_set_aside(bug, attempts=4, max_attempts=5)
    assert must_set_aside(bug, attempts=5, max_attempts=5)


def test_the_reason_names_the_error_and_never_repeats_a_validated_input() -> None:
    assert describe(OUT_OF_RANGE) == "OverflowError: date value out of range"
    secret = "kari.nordmann@example.org"
    reason = describe(_raised(lambda: Window.model_validate({"start": secret})))
    assert reason.startswith("ValidationError: start: ") and secret not in reason
    assert isinstance(INVALID, ValidationError)
