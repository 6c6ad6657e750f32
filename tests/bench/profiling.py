"""pyinstrument around a block of the benchmark process, kept as a short text summary for the JSON."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from outreach_dev.devstack import launcher


@contextlib.contextmanager
def profiled(into: dict[str, Any], key: str = "profile") -> Iterator[None]:
    """Sample the whole thread (every task of the event loop) and store the call tree's top in `into[key]`."""
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        tree = profiler.output_text(unicode=False, color=False, show_all=False)
        flat = profiler.output(ConsoleRenderer(flat=True, time="percent_of_total"))
        into[key] = summarise(tree + "\n=== flat (self time, % of samples)\n" + flat)


def summarise(text: str, lines: int = 60) -> str:
    """The first lines of a pyinstrument report's tree (the heaviest branches) and of its flat self-time list."""
    tree, _, flat = text.partition("=== flat")
    kept = [line.rstrip() for line in tree.splitlines() if line.strip()][:lines]
    if flat:
        kept += ["=== flat" + flat.splitlines()[0], *[x.rstrip() for x in flat.splitlines()[1:] if x.strip()][:30]]
    return "\n".join(kept)


@contextlib.contextmanager
def under_pyinstrument(out_dir: Path) -> Iterator[None]:
    """Services started inside run under pyinstrument (profile_service.py), each writing out_dir/<name>.txt on stop."""
    out_dir.mkdir(parents=True, exist_ok=True)
    original = launcher.service_command

    def command(service: launcher.InstalledService) -> list[str]:
        script = Path(__file__).parent / "profile_service.py"
        return [sys.executable, str(script), str(out_dir / f"{service.name}.txt"), service.name]

    launcher.service_command = command
    try:
        yield
    finally:
        launcher.service_command = original


def read_profiles(out_dir: Path) -> dict[str, str]:
    """Each profiled service's summary."""
    return {p.stem: summarise(p.read_text(), 80) for p in sorted(out_dir.glob("*.txt"))}

