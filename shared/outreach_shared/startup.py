"""A starting service waits for PostgreSQL and Kafka rather than exit: they may be restarting too.

After a crash a service is often started again while the database or a broker is still coming back (one machine
losing power, an orchestrator restarting everything at once). Exiting then only adds a crash loop to the outage, so
each start-up step that reaches out is retried with backoff while the error says "not reachable yet", until
`startup_wait_seconds` have passed. Any other error (wrong password, a broken migration) fails the start at once.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from psycopg import OperationalError as PsycopgOperationalError

from outreach_shared.bulkheads import is_transient
from outreach_shared.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 5.0


def not_reachable_yet(exc: BaseException) -> bool:
    """The database or broker is away (or refusing connections while it starts): worth waiting for.

    psycopg's OperationalError is how yoyo (the migrations) reports a refused or dropped connection."""
    return is_transient(exc) or isinstance(exc, PsycopgOperationalError)


async def until_reachable(step: Callable[[], Awaitable[T]], *, what: str, wait_seconds: float,
                             sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                             clock: Callable[[], float] = time.monotonic) -> T:
    """`step()`, tried again with backoff (0.5 s doubling to 5 s) while it fails with `not_reachable_yet`, until
    `wait_seconds` have passed; then its last error is raised."""
    deadline = clock() + wait_seconds
    backoff = FIRST_BACKOFF_SECONDS
    attempt = 1
    while True:
        try:
            return await step()
        except Exception as exc:
            if not not_reachable_yet(exc) or clock() + backoff > deadline:
                raise
            log.warning("not reachable yet; start-up waits", what=what, attempt=attempt, error=type(exc).__name__,
                        retry_in_seconds=backoff)
        await sleep(backoff)
        backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)
        attempt += 1
