"""Percentiles and the rows every benchmark reports."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median_round(rounds: Sequence[T], rate: Callable[[T], float]) -> T:
    """The round with the median `rate` (the upper one of an even count): a side's figure when rounds alternate."""
    return sorted(rounds, key=rate)[len(rounds) // 2]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies given in seconds, in milliseconds."""
    return {f"p{p}": round(percentile(seconds, p) * 1000, 2) for p in (50, 95, 99)} | {
        "max": round(max(seconds, default=math.nan) * 1000, 2),
        "n": len(seconds),
    }


@dataclass
class Row:
    """One figure: its value next to a baseline measured in the same run, and the target."""

    bench: str
    metric: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


@dataclass
class BenchResult:
    """What one benchmark measured: table rows, plus details (raw figures, profiles) for the JSON."""

    name: str
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    def row(self, metric: str, value: float | None, unit: str, **kw: Any) -> Row:
        """Add a row and return it."""
        r = Row(self.name, metric, value, unit, **kw)
        self.rows.append(r)
        return r
