"""The machine, the table (with the previous run beside this one) and the results JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stats import BenchResult

RESULTS = Path(__file__).parent / "results"


def machine(kafka_version: str) -> dict[str, Any]:
    """Cores, memory, CPU model, Python and Kafka versions."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "kafka": kafka_version,
        "os": platform.platform(),
        "git": _git_head(),
    }


def _git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def previous_run() -> dict[str, Any] | None:
    """Every earlier results file merged: each figure as the newest run that measured it had it."""
    merged: dict[str, Any] | None = None
    for path in sorted(RESULTS.glob("*.json")):
        doc = json.loads(path.read_text())
        merged = merged or {"started_at": "", "values": {}}
        merged["started_at"] = doc["started_at"]
        rows = [r for b in doc["benchmarks"] for r in b.get("rows", [])]
        merged["values"] |= {(r["bench"], r["metric"]): r["value"] for r in rows}
    return merged


def _previous_values(previous: dict[str, Any] | None) -> dict[tuple[str, str], float | None]:
    return previous["values"] if previous else {}


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def cpu_busy(seconds: float = 1.0) -> float | None:
    """The share of the machine's CPU (0-100 %) busy over `seconds`, from /proc/stat (None elsewhere). Taken before a
    benchmark starts its services, it is what else runs on the machine: a run measured beside another is not
    comparable with a quiet one."""
    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    try:
        total_0, idle_0 = sample()
        time.sleep(seconds)
        total_1, idle_1 = sample()
    except OSError:
        return None
    spent = total_1 - total_0
    return round(100 * (1 - (idle_1 - idle_0) / spent), 1) if spent else None


def table(results: list[BenchResult], info: dict[str, Any], previous: dict[str, Any] | None) -> str:
    """The one table: figure, baseline, target, met, and the previous run's figure."""
    before = _previous_values(previous)
    head = ("bench", "figure", "value", "unit", "baseline (same run)", "target", "met", "previous")
    lines = [head]
    for result in results:
        if result.skipped:
            lines.append((result.name, f"skipped: {result.skipped.splitlines()[0][:150]}", "", "", "", "", "", ""))
            continue
        for r in result.rows:
            base = f"{_fmt(r.baseline)} {r.baseline_label}".strip() if r.baseline is not None else ""
            met = "" if r.met is None else ("yes" if r.met else "NO")
            lines.append((r.bench, r.metric, _fmt(r.value), r.unit, base, r.target, met,
                          _fmt(before.get((r.bench, r.metric)))))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = [" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "-+-".join("-" * w for w in widths))
    when = f"newest of earlier runs ({previous['started_at']})" if previous else "none"
    m = info
    header = (f"machine: {m['cores']} cores, {m['memory_gb']} GB, {m['cpu']}; Python {m['python']}; "
              f"Kafka {m['kafka']}; git {m['git']} · previous run: {when}")
    return "\n".join([header, *out])


def write(results: list[BenchResult], info: dict[str, Any], started: datetime) -> Path:
    """tests/bench/results/<UTC timestamp>.json"""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.json"
    doc = {
        "started_at": started.astimezone(UTC).isoformat(timespec="seconds"),
        "machine": info,
        "benchmarks": [
            {"name": r.name, "skipped": r.skipped, "rows": [row.as_dict() for row in r.rows], "details": r.details}
            for r in results
        ],
    }
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    return path
