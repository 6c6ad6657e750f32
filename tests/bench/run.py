"""`make bench [ARGS="pipeline matching"]`: start the real stack once, run the benchmarks, print one table.

Each figure is printed next to a baseline measured in the same run, the target, whether it is met and the
previous run's figure; results go to tests/bench/results/<UTC timestamp>.json. Speed never fails the run:
the exit code is 1 only when a benchmark crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_booking  # noqa: E402
import bench_e2e  # noqa: E402
import bench_fanout  # noqa: E402
import bench_matching  # noqa: E402
import bench_national  # noqa: E402
import bench_pages  # noqa: E402
import bench_pipeline  # noqa: E402
import report  # noqa: E402
from stack import Stack, open_stack  # noqa: E402
from stats import BenchResult  # noqa: E402

from outreach_shared.logging import configure_logging  # noqa: E402

BENCHES: dict[str, Callable[[Stack, bool], BenchResult]] = {
    "pipeline": bench_pipeline.run,
    "matching": bench_matching.run,
    "booking": bench_booking.run,
    "fanout": bench_fanout.run,
    "e2e": bench_e2e.run,
    "pages": bench_pages.run,
    "national": bench_national.run,
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], help="benchmarks to run (default: all)")
    parser.add_argument("--profile", action="store_true", help="profile every benchmark, not only missed targets")
    parser.add_argument("--no-save", action="store_true", help="do not write a results file")
    return parser.parse_args(argv)


def run_one(name: str, stack: Stack, profile: bool) -> tuple[BenchResult, bool]:
    """One benchmark; a crash is reported in the table (and makes the exit code 1), never hidden."""
    busy = report.cpu_busy()
    print(f"bench: {name}… (CPU busy before it started: {busy} %)", flush=True)
    began = time.monotonic()
    try:
        result = BENCHES[name](stack, profile)
        crashed = False
    except Exception as exc:
        traceback.print_exc()
        result, crashed = BenchResult(name, skipped=f"crashed: {type(exc).__name__}: {exc}"[:200]), True
    result.details["wall_seconds"] = round(time.monotonic() - began, 1)
    result.details["cpu_busy_before_percent"] = busy
    print(f"bench: {name} done in {result.details['wall_seconds']} s", flush=True)
    return result, crashed


@contextlib.contextmanager
def machine_to_ourselves() -> Iterator[None]:
    """One `make bench` at a time on this machine: two side by side share 2 cores and each measures the other."""
    with open(Path(tempfile.gettempdir()) / "outreach-bench.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("bench: another `make bench` is running on this machine; waiting for it to finish", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def main(argv: list[str]) -> int:
    args = parse(argv)
    configure_logging("bench", level="WARNING", json=False)
    names = args.names or list(BENCHES)
    with machine_to_ourselves():
        return measure(args, names)


def measure(args: argparse.Namespace, names: list[str]) -> int:
    started = datetime.now(UTC)
    previous = report.previous_run()
    results, crashed = [], False
    with tempfile.TemporaryDirectory(prefix="outreach-bench-") as workdir, open_stack(Path(workdir)) as stack:
        info = report.machine(stack.kafka_version)
        for name in names:
            result, failed = run_one(name, stack, args.profile)
            results.append(result)
            crashed |= failed
    print("\n" + report.table(results, info, previous), flush=True)
    if not args.no_save:
        print(f"\nresults: {report.write(results, info, started)}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
