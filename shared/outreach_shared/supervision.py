"""Background loops that never die silently.

A loop that raises is logged (at error, with its task name and the traceback) and started again after a pause that
doubles with each failure in a row (RESTART_MIN_SECONDS up to RESTART_MAX_SECONDS). From its failure until it has
run again for SETTLE_SECONDS, the loop counts as failing, and the service's /readyz says not ready. A loop that
returns is finished: logged, not restarted.
"""

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from outreach_shared.logging import get_logger

log = get_logger(__name__)

RESTART_MIN_SECONDS = 0.5
RESTART_MAX_SECONDS = 30.0
SETTLE_SECONDS = 10.0
"""How long a restarted loop must run before it counts as healthy again (and its pause goes back to the minimum)."""

Loop = Callable[[], Coroutine[Any, Any, None]]


class Supervisor:
    """Runs background loops as tasks, restarting any that raises; says which are failing."""

    def __init__(self, *, restart_min: float | None = None, restart_max: float | None = None,
                 settle: float | None = None) -> None:  # fmt: skip
        """Pauses and settling time default to the module's constants (read when the supervisor is made)."""
        self.restart_min = RESTART_MIN_SECONDS if restart_min is None else restart_min
        self.restart_max = RESTART_MAX_SECONDS if restart_max is None else restart_max
        self.settle = SETTLE_SECONDS if settle is None else settle
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._failed: dict[str, float] = {}
        """The loops that failed, each with when its current run began (infinity while it waits to restart)."""

    def spawn(self, name: str, loop: Loop) -> asyncio.Task[None]:
        """Run `loop()` as the task `name`, restarted whenever it raises."""
        task = asyncio.create_task(self._keep_running(name, loop), name=name)
        self.tasks[name] = task
        return task

    def failing(self) -> list[str]:
        """The loops that failed and have not yet run SETTLE_SECONDS again since."""
        now = time.monotonic()
        names = [name for name, began in self._failed.items() if now - began < self.settle]
        for name in [n for n, began in self._failed.items() if now - began >= self.settle]:
            del self._failed[name]
        return sorted(names)

    async def _keep_running(self, name: str, loop: Loop) -> None:
        pause = self.restart_min
        while True:
            began = time.monotonic()
            if name in self._failed:
                self._failed[name] = began
            try:
                await loop()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                ran = time.monotonic() - began
                if ran >= self.settle:
                    pause = self.restart_min  # it had recovered: this is a new failure, not one in a row
                self._failed[name] = float("inf")  # failing until it has run SETTLE_SECONDS again
                log.error("background task failed; restarting it", task=name, error=type(exc).__name__,
                          restart_in_seconds=pause, exc_info=exc)  # fmt: skip
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.restart_max)
                continue
            log.info("background task finished", task=name)
            return
