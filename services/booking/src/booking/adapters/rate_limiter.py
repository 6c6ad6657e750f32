"""Request limits per key (a school's token, a pupil's address hashed), in memory (per instance)."""

import math

PRUNE_ABOVE = 10_000
"""Keys remembered before the windows that have run out are forgotten (anonymous callers bring new keys)."""


class RateLimiter:
    """A fixed one-minute window of requests per key."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Count one request; the seconds to wait if it is over the limit, else None."""
        if len(self._windows) > PRUNE_ABOVE:
            self._windows = {k: w for k, w in self._windows.items() if now - w[0] < 60}
        started, count = self._windows.get(key, (now, 0))
        if now - started >= 60:
            started, count = now, 0
        if count >= self.per_minute:
            return max(1, math.ceil(60 - (now - started)))
        self._windows[key] = (started, count + 1)
        return None
