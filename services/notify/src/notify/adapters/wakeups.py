"""Wake-ups of the delivery worker: LISTEN on `<schema>_deliveries` (a trigger NOTIFYs as deliveries are planned or
fall due again), on a connection of its own, listening again after trouble."""

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg

from outreach_shared.logging import get_logger

log = get_logger(__name__)


class PostgresWakeups:
    """Holds a LISTEN connection from the pool; the worker polls while it is away."""

    def __init__(self, pool: asyncpg.Pool, *, retry_seconds: float = 1.0) -> None:
        self._pool = pool
        self._retry = max(1.0, retry_seconds)

    async def listen(self, on_wake: Callable[[str], None]) -> None:
        """Call `on_wake` with each NOTIFY's payload until cancelled ('' once listening: whatever came before)."""

        def heard(_conn: object, _pid: int, _channel: str, payload: str) -> None:
            on_wake(payload)

        while True:
            try:
                async with self._pool.acquire() as conn:
                    channel = f"{await conn.fetchval('SELECT current_schema()')}_deliveries"
                    await conn.add_listener(channel, heard)
                    try:
                        on_wake("")  # whatever was planned before we listened
                        lost = asyncio.Event()
                        conn.add_termination_listener(lambda _c, done=lost: done.set())
                        await lost.wait()
                    finally:
                        with contextlib.suppress(Exception):
                            await conn.remove_listener(channel, heard)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("delivery listener failed; polling until it is back", exc_info=True)
            await asyncio.sleep(self._retry)
