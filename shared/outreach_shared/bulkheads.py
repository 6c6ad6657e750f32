"""Bulkheads: a loop that works through many items sets aside one that fails for good, and goes on with the others.

Every such loop (delivery loops, timers, the outbox relay, housekeeping chores, consumers) asks the same two
questions of an exception, answered here once for every service:

- transient: the database, the broker or a mail server is away, or a deadlock: the same item succeeds later, so the
  loop retries with backoff, without limit (setting the item aside would lose it for a passing outage);
- permanent: the item itself is wrong (a value out of range, a template error, a payload that no longer validates):
  retrying cannot mend it, so the loop sets it aside at once: marks it failed with the reason, counts it in
  `outreach_set_aside_total{service,loop}`, and organisers see it (the delivery log, `GET /v1/operations/set-aside`).

Anything else (a bug of an unknown kind) is retried a bounded number of times, then set aside too.
"""

import asyncpg
from aiokafka import errors as kafka
from pydantic import ValidationError

from outreach_shared.errors import PermanentEventError
from outreach_shared.logging import get_logger
from outreach_shared.metrics import SET_ASIDE

log = get_logger(__name__)

_TRANSIENT = (
    OSError
    | asyncpg.PostgresConnectionError
    | asyncpg.InterfaceError
    | asyncpg.CannotConnectNowError
    | asyncpg.TooManyConnectionsError
    | asyncpg.AdminShutdownError
    | asyncpg.TransactionRollbackError
    | TimeoutError
)
_PERMANENT = (
    ValueError  # pydantic's ValidationError, asyncpg's client-side DataError, UnicodeError, json errors
    | ArithmeticError  # OverflowError ("date value out of range"), ZeroDivisionError
    | TypeError
    | LookupError  # KeyError, IndexError
    | AttributeError
    | PermanentEventError
    | asyncpg.DataError  # Postgres class 22: a value the column or function refuses
)
_KAFKA_PERMANENT = (
    kafka.MessageSizeTooLargeError
    | kafka.RecordTooLargeError
    | kafka.RecordListTooLargeError
    | kafka.InvalidTopicError
    | kafka.InvalidMessageError
    | kafka.InvalidTimestampError
    | kafka.CorruptRecordException
)
"""Kafka errors of the record itself; every other Kafka error is the cluster's state (a timeout, no leader, a closed
producer, refused credentials) and passes, or needs an operator rather than a set-aside record."""
_TEMPLATE_MODULES = ("jinja2.exceptions",)
"""Template errors are known by their module: the kit does not depend on the template engine."""


def is_transient(exc: BaseException) -> bool:
    """Errors that mean 'the database or broker is away' or 'try again': retried without limit, never set aside.

    A deadlock or serialisation failure (class 40) says nothing about the item: the same item succeeds on a retry.
    asyncpg's client-side DataError (a query argument it cannot encode) is an InterfaceError but a ValueError too:
    it belongs to the item, not the connection. A Kafka error is transient unless it is about the record itself.
    """
    if isinstance(exc, kafka.KafkaError):
        return not isinstance(exc, _KAFKA_PERMANENT)
    return isinstance(exc, _TRANSIENT) and not isinstance(exc, ValueError)


def is_permanent(exc: BaseException) -> bool:
    """Errors of the item itself, the same on every attempt: set aside at once."""
    if is_transient(exc):
        return False
    if isinstance(exc, _KAFKA_PERMANENT | _PERMANENT):
        return True
    return any(cls.__module__ in _TEMPLATE_MODULES for cls in type(exc).__mro__)


def must_set_aside(exc: BaseException, *, attempts: int, max_attempts: int) -> bool:
    """Whether a loop gives up on the item after `attempts` tries (transient errors: never)."""
    if is_transient(exc):
        return False
    return is_permanent(exc) or attempts >= max_attempts


def describe(exc: BaseException) -> str:
    """The reason an item was set aside, for its row and the operations view: the error's type and message, which
    names the value's problem but never repeats a validated input (it may hold personal data)."""
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False, include_context=False)
        ]
        return f"ValidationError: {'; '.join(parts)}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


def count_set_aside(service: str, loop: str, reason: str, **ids: str) -> None:
    """Count and log one item a loop set aside (ids name it: delivery id, timer kind and key, outbox event id)."""
    SET_ASIDE.labels(service, loop).inc()
    log.error("item set aside", loop=loop, reason=reason, **ids)
