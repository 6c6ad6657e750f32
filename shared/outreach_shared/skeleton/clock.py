"""The one injectable clock: every service asks `runtime.clock.now()`, tests give it a clock they move."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Tells the current time (aware, UTC)."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current time."""
        return datetime.now(UTC)
