"""pyinstrument around a block of the benchmark process, kept as a short text summary for the JSON."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pyinstrument import Profiler


@contextlib.contextmanager
def profiled(into: dict[str, Any], key: str = "profile") -> Iterator[None]:
    """Sample the whole thread (every task of the event loop) and store the call tree's top in `into[key]`."""
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        into[key] = summarise(profiler.output_text(unicode=False, color=False, show_all=False))


def summarise(text: str, lines: int = 60) -> str:
    """The first lines of a pyinstrument text report (the heaviest branches)."""
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return "\n".join(kept[:lines])
