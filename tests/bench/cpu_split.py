"""CPU time per request by process, from /proc: where a saturated machine's cores go, the measured server's own
process apart from PostgreSQL, Kafka and the load generator (which runs in the benchmark's process)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

Snapshot = dict[int, tuple[float, str]]
"""pid -> (CPU seconds so far, command line)."""
GROUPS = ("service", "postgres", "kafka", "generator", "other")


def snapshot() -> Snapshot:
    """Every process's CPU seconds (user + system) and command line; empty where /proc is not there."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: Snapshot = {}
    for entry in Path("/proc").iterdir() if Path("/proc/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = ((int(fields[11]) + int(fields[12])) / ticks, command)
    return out


def per_request(
    before: Snapshot, after: Snapshot, requests: int, is_service: Callable[[str], bool]
) -> dict[str, float]:
    """Microseconds of CPU per request spent by each group between two snapshots."""
    spent = dict.fromkeys(GROUPS, 0.0)
    me = os.getpid()
    for pid, (seconds, command) in after.items():
        used = seconds - before.get(pid, (0.0, ""))[0]
        spent[_group(pid, command, me, is_service)] += used
    return {group: round(1e6 * used / max(requests, 1), 1) for group, used in spent.items()}


def _group(pid: int, command: str, me: int, is_service: Callable[[str], bool]) -> str:
    if pid == me:
        return "generator"
    if is_service(command):
        return "service"
    if command.startswith("postgres") or "/postgres " in command or "bin/postgres" in command:
        return "postgres"
    if "java" in command and "kafka" in command.lower():
        return "kafka"
    return "other"
