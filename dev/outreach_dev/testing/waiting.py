"""Wait for asynchronous effects with a deadline instead of sleeping: the one polling helper of every test."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(check: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.1) -> T: ...
@overload
async def eventually(check: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1) -> T: ...


async def eventually(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Call `check` (async or plain) until it returns a truthy value without raising AssertionError; return that
    value, or fail at the deadline naming the last AssertionError."""
    deadline = time.monotonic() + timeout
    last_error: AssertionError | None = None
    while True:
        try:
            result = check()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {last_error or 'falsy result'}")
        await asyncio.sleep(interval)
