"""Wait for asynchronous effects with a deadline instead of sleeping."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1) -> T:
    """Call `check` until it returns a truthy value without raising AssertionError; fail at the deadline."""
    deadline = time.monotonic() + timeout
    last_error: AssertionError | None = None
    while True:
        try:
            result = await check()
            if result:
                return result
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {last_error or 'falsy result'}")
        await asyncio.sleep(interval)
