"""`outreach-up` against the session's Kafka and PostgreSQL: every service starts and is ready, and nothing is
left running afterwards, whether it stops by itself (`--check`) or on Ctrl-C."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from outreach_dev.devstack._util import free_ports

pytestmark = pytest.mark.timeout(900)

SERVICES = sorted({ep.name for ep in entry_points(group="outreach.services")})
LAUNCHER = [sys.executable, "-m", "outreach_dev.devstack.launcher"]


def leftovers(marker: str) -> list[str]:
    """Processes (other than this one) whose command line or environment mentions `marker`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in cmdline or marker in environ:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found


@pytest.fixture
async def stack_database(admin_dsn: str) -> AsyncIterator[str]:
    """An admin DSN to a database of its own: the launched services' schemas stay apart from other tests'."""
    name = f"stack_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield urlunsplit(urlsplit(admin_dsn)._replace(path=f"/{name}"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def state_dir(tmp_path: Path, provisioned_dsns: Callable[[str], Awaitable[str]]) -> Path:
    """A state dir whose secrets.json keeps the passwords other tests use (roles are cluster-wide)."""
    passwords = {name: urlsplit(await provisioned_dsns(name)).password for name in SERVICES}
    state = tmp_path / "outreach-state"
    state.mkdir()
    (state / "secrets.json").write_text(json.dumps({"db_passwords": passwords}))
    return state


def launcher_command(*extra: str) -> list[str]:
    """The launcher with free ports for every installed service and the mail catcher."""
    ports = free_ports(len(SERVICES) + 2)
    args = [f"--port-{name}={port}" for name, port in zip(SERVICES, ports, strict=False)]
    args += [f"--mail-http-port={ports[-2]}", f"--mail-smtp-port={ports[-1]}", "--ready-timeout=240"]
    return [*LAUNCHER, *args, *extra]


def launcher_env(kafka_bootstrap: str, dsn: str, state: Path) -> dict[str, str]:
    """The test's environment plus the infrastructure and the state dir."""
    return os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": dsn,
        "OUTREACH_STATE_DIR": str(state),
    }


def assert_all_ready(output: str) -> None:
    """Every installed service said it was ready, and the screen was printed."""
    assert SERVICES, "no service is installed (entry point group outreach.services)"
    for name in SERVICES:
        assert f"{name} ready at" in output, f"{name} not reported ready:\n{output}"
    assert "outreach is up" in output and "/v1/visit-requests" in output
    screen = output[output.index("outreach is up"):]
    assert screen.index("(sign in here)") < screen.index(" services"), "the portal's URL comes first"
    for who in ("organiser", "school", "member"):
        assert re.search(rf"sign in as {who}.*http://127\.0\.0\.1:\d+/login/link/\S+", screen), screen


def sign_in_with(link: str) -> httpx.Response:
    """Follow a one-click link as a browser does: its page, then its button (a POST with the form's CSRF token);
    the page saying who is signed in."""
    with httpx.Client(timeout=30, headers={"Accept-Language": "en"}) as browser:
        page = browser.get(link)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        assert token, page.text
        origin = link.split("/login/")[0]
        posted = browser.post(link, data={"csrf_token": html.unescape(token.group(1))}, headers={"Origin": origin})
        assert posted.status_code == 303, posted.text
        home = browser.get(origin + "/")
        assert home.status_code == 303 and home.headers["location"] == "/organiser", home.text  # the board
        return browser.get(origin + "/session")


async def test_check_mode_starts_every_service_then_leaves_nothing_behind(
    kafka_bootstrap: str, stack_database: str, state_dir: Path
) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        launcher_command("--check"),
        env=launcher_env(kafka_bootstrap, stack_database, state_dir),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert_all_ready(output)
    assert "demo seeding failed" not in output, output
    assert "members: 60 in Trondheim" in output, output
    assert "visits: confirmed, offered, unfulfilled and cancelled requests" in output, output
    assert leftovers(str(state_dir)) == []
    assert oct((state_dir / "secrets.json").stat().st_mode & 0o777) == "0o600"
    for name in SERVICES:
        assert (state_dir / "logs" / f"{name}.log").stat().st_size > 0


class OutputReader:
    """Collects a process's output lines in a thread; `wait_for(marker)` waits until one contains it."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._proc = proc
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    @property
    def text(self) -> str:
        """Everything read so far."""
        return "".join(self.lines)

    def wait_for(self, marker: str, timeout: float) -> str:
        """Wait until a line contains `marker` (or the output ends, or time runs out); return the output."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not any(marker in line for line in self.lines) and self._thread.is_alive():
                if (
                    not self._changed.wait(max(0.0, deadline - time.monotonic()))
                    and time.monotonic() > deadline
                ):
                    break
        return self.text

    def finish(self) -> str:
        """Wait for the end of the output; return all of it."""
        self._thread.join(30)
        return self.text


async def test_ctrl_c_stops_everything_in_reverse_order(
    kafka_bootstrap: str, stack_database: str, state_dir: Path
) -> None:
    proc = subprocess.Popen(
        launcher_command("--no-demo"),
        env=launcher_env(kafka_bootstrap, stack_database, state_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    reader = OutputReader(proc)
    try:
        output = await asyncio.to_thread(reader.wait_for, "Ctrl-C stops everything", 420)
        assert_all_ready(output)
        link = re.search(r"sign in as organiser\s+(\S+)", output)
        assert link, output
        home = await asyncio.to_thread(sign_in_with, link.group(1))
        assert "organiser (national)" in home.text, home.text
        proc.send_signal(signal.SIGINT)
        returncode = await asyncio.to_thread(proc.wait, 120)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = reader.finish()
    assert returncode == 0, output
    assert "interrupted" in output and output.rstrip().endswith("outreach-up: stopped")
    assert leftovers(str(state_dir)) == []


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a shell does for `outreach-up &`


async def test_ctrl_c_stops_it_even_when_started_with_sigint_ignored(
    kafka_bootstrap: str, stack_database: str, state_dir: Path
) -> None:
    proc = subprocess.Popen(
        launcher_command("--no-demo"),
        env=launcher_env(kafka_bootstrap, stack_database, state_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_ignore_sigint,
    )
    reader = OutputReader(proc)
    try:
        output = await asyncio.to_thread(reader.wait_for, "starting ", 240)  # interrupted while it starts services
        assert "starting " in output, output
        proc.send_signal(signal.SIGINT)
        try:
            returncode: int | None = await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            returncode = None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    output = reader.finish()
    assert returncode == 0, "kill -INT did not stop it:\n" + output
    assert "interrupted" in output and output.rstrip().endswith("outreach-up: stopped")
    assert leftovers(str(state_dir)) == []
