"""The per-school request limit."""

from booking.adapters.rate_limiter import RateLimiter


def test_allows_the_limit_then_says_how_long_to_wait() -> None:
    limiter = RateLimiter(per_minute=2)
    assert limiter.retry_after("a", 100.0) is None
    assert limiter.retry_after("a", 110.0) is None
    assert limiter.retry_after("a", 130.0) == 30
    assert limiter.retry_after("b", 130.0) is None


def test_a_new_minute_starts_a_new_allowance() -> None:
    limiter = RateLimiter(per_minute=1)
    assert limiter.retry_after("a", 0.0) is None
    assert limiter.retry_after("a", 59.0) == 1
    assert limiter.retry_after("a", 60.0) is None
