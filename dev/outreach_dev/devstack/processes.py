"""The launcher's child processes: start one in its own process group, wait until it answers, stop them all."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ._util import LOCALHOST, signal_group, tail

STOP_SECONDS = 15.0


class LaunchError(Exception):
    """A component failed; the message names it and where its log is."""


def say(message: str) -> None:
    """Print one progress line."""
    print(f"outreach-up: {message}", flush=True)


@dataclass
class Child:
    """A process started by the launcher, leading its own process group."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""
    exit_reported: bool = False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM this child if the launcher dies without cleaning up."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(name: str, cmd: list[str], env: dict[str, str], log_path: Path) -> Child:
    """Start `cmd` in a new session with stdout and stderr appended to `log_path`."""
    with log_path.open("ab") as log:
        log.write(f"\n=== {datetime.now().isoformat(timespec='seconds')} outreach-up starts {name}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            env=os.environ | env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
    return Child(name, proc, log_path)


def stop_children(children: list[Child], timeout: float = STOP_SECONDS) -> None:
    """SIGTERM every child's group (last started first), wait, SIGKILL what is left of each group."""
    for child in reversed(children):
        if child.proc.poll() is None:
            say(f"stopping {child.name}…")
        signal_group(child.proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in reversed(children):
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        signal_group(child.proc, signal.SIGKILL)  # stragglers in the group, and a leader that ignored SIGTERM
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.proc.wait(5)


def port_free(port: int, host: str = LOCALHOST) -> bool:
    """True if a server could listen on host:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _get(url: str, timeout: float = 2.0) -> int:
    import httpx

    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


def wait_ready(child: Child, path: str, deadline: float) -> None:
    """Poll `child.url + path` until 200; fail naming the child and its log if it exits or time runs out."""
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise LaunchError(
                f"{child.name} exited with code {child.proc.returncode} during start-up; "
                f"its log: {child.log_path}\n{tail(child.log_path, 30)}"
            )
        if _get(child.url + path) == 200:
            return
        time.sleep(0.3)
    raise LaunchError(
        f"{child.name} was not ready at {child.url}{path} in time; its log: {child.log_path}\n"
        f"{tail(child.log_path, 30)}"
    )
