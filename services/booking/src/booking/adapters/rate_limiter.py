"""The per-school request limit, in memory (per instance)."""

import math


class RateLimiter:
    """A fixed one-minute window of requests per key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Count one request; the seconds to wait if it is over the limit, else None."""
        started, count = self._windows.get(key, (now, 0))
        if now - started >= 60:
            started, count = now, 0
        if count >= self.per_minute:
            return max(1, math.ceil(60 - (now - started)))
        self._windows[key] = (started, count + 1)
        return None
