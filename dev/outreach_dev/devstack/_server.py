"""The lifecycle shared by the local Kafka and PostgreSQL runners: one child process, stopped by its own PID."""

from __future__ import annotations

import logging
import signal
import subprocess
from types import TracebackType
from typing import Self

from ._util import kill_group, terminate

log = logging.getLogger(__name__)


class LocalServer:
    """A server process started by this object; subclasses implement `start` and name their stop signal."""

    STOP_SIGNAL: signal.Signals = signal.SIGTERM
    """The graceful stop: SIGTERM for Kafka, SIGINT (fast shutdown) for PostgreSQL; SIGKILL after the timeout."""
    START_TIMEOUT: float = 60.0

    _proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Return the server's PID while it runs."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def is_running(self) -> bool:
        """Return True while the process started by this object is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float | None = None) -> Self:
        """Start the server and wait until it is ready (subclasses)."""
        raise NotImplementedError

    def stop(self, timeout: float = 30.0) -> None:
        """Stop gracefully with STOP_SIGNAL, then SIGKILL after `timeout` seconds."""
        terminate(self._proc, self.STOP_SIGNAL, timeout)
        self._proc = None

    def kill(self) -> None:
        """SIGKILL the server and its children (a crash, for fault tests); its data is kept."""
        kill_group(self._proc)
        self._proc = None

    def restart(self, timeout: float | None = None) -> Self:
        """Stop (if running) and start again on the same ports and data."""
        self.stop()
        return self.start(timeout)

    def _stop_at_exit(self) -> None:
        if self.is_running():
            log.warning("stopping %s pid %s left running at exit", type(self).__name__, self.pid)
            self.stop(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
