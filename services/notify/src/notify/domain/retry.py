"""Retry policy: exponential backoff with full jitter, and when to stop."""

import random
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Verdict(StrEnum):
    """What to do after an attempt."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class RetryPolicy:
    """How many attempts a delivery gets and how long it waits between them."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    def backoff(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """The wait after the `attempts`-th failure: uniform in [base*2^(n-1)/2, base*2^(n-1)], capped."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** max(attempts - 1, 0))
        jitter = (rng or random).uniform(ceiling / 2, ceiling)
        return timedelta(seconds=jitter)

    def verdict(self, *, ok: bool, permanent: bool, attempts: int) -> Verdict:
        """Sent, retry later, or failed for good (a permanent error or the last attempt)."""
        if ok:
            return Verdict.SENT
        if permanent or attempts >= self.max_attempts:
            return Verdict.FAILED
        return Verdict.RETRY
