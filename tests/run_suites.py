"""`make test`'s runner: one pytest session per suite, each with its own Kafka and PostgreSQL, in two lanes.

The suites that mostly wait (the flows on the launched system: mails, visits that start in a minute, a browser)
run in a lane of their own beside the others, which run one after another; the suites that kill processes and judge
recovery by deadlines (`--last`) run alone once both lanes are done. A lane's output is kept in a file and printed
whole when the lane ends, so the two never interleave. Each suite's time is printed; the exit status is 1 when any
suite failed, and the failed ones are named.

    python tests/run_suites.py --beside "tests/flows" --last "tests/faults" shared/tests services/booking ...
"""

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SCRATCH = Path(tempfile.gettempdir()) / "outreach-suites"
"""Each suite's pytest temporary directory lives here, not under pytest's shared /tmp/pytest-of-<user>: every pytest
session that starts makes that one private again (0700), and PostgreSQL, running as another OS user, then cannot
reach the data directory a suite in the other lane is initialising."""


def run(suite: str, pytest_args: list[str], out: "TextOut") -> bool:
    """One suite in its own pytest session, in a temporary directory of its own (kept when it fails); True when it
    passed."""
    out.write(f"=== {suite}\n")
    began = time.monotonic()
    basetemp = SCRATCH / re.sub(r"[^A-Za-z0-9]+", "-", suite).strip("-")
    own = [] if any(a.startswith("--basetemp") for a in pytest_args) else [f"--basetemp={basetemp}"]
    done = subprocess.run([sys.executable, "-m", "pytest", *own, *pytest_args, suite], stdout=out.stream,
                          stderr=subprocess.STDOUT, check=False)  # fmt: skip
    out.write(f"=== {suite} took {round(time.monotonic() - began)} s\n")
    if done.returncode == 0:
        shutil.rmtree(basetemp, ignore_errors=True)
    return done.returncode == 0


class TextOut:
    """Where a lane writes: the terminal, or a file printed when the lane ends."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.flush()
        self.stream.write(text)
        self.stream.flush()


def lane(suites: list[str], pytest_args: list[str], out: TextOut, failed: list[str]) -> None:
    for suite in suites:
        if not run(suite, pytest_args, out):
            failed.append(suite)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beside", default="", help="suites run one after another beside the others")
    parser.add_argument("--last", default="", help="suites run alone at the end")
    parser.add_argument("--pytest-args", default="", help="passed to every pytest session")
    parser.add_argument("suites", nargs="*")
    args = parser.parse_args(argv)
    pytest_args = shlex.split(args.pytest_args)
    SCRATCH.mkdir(exist_ok=True)
    began, failed_beside, failed = time.monotonic(), [], []
    with tempfile.TemporaryFile("w+") as kept:
        beside = threading.Thread(target=lane, args=(args.beside.split(), pytest_args, TextOut(kept), failed_beside))
        beside.start()
        lane(args.suites, pytest_args, TextOut(sys.stdout), failed)
        beside.join()
        kept.seek(0)
        sys.stdout.write(kept.read())
    lane(args.last.split(), pytest_args, TextOut(sys.stdout), failed)
    failed += failed_beside
    print(f"=== all suites took {round(time.monotonic() - began)} s")
    if failed:
        print(f"failed suites: {' '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
