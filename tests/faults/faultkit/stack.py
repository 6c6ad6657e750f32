"""The fault stack: the four services as separate processes (so one can be SIGKILLed and restarted), a PostgreSQL
of its own (so it can be stopped without disturbing the session's other tests), the session's Kafka, and a
switchable SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from faultkit.smtp import SwitchableSmtp
from outreach_dev.devstack._util import free_port
from outreach_dev.devstack.kafka import LocalKafka
from outreach_dev.devstack.kafka_cluster import LocalKafkaCluster
from outreach_dev.devstack.launcher import (
    Child,
    InstalledService,
    discover_services,
    service_command,
    service_env,
    settings_class,
    spawn,
    wait_ready,
)
from outreach_dev.devstack.postgres import LocalPostgres
from outreach_dev.devstack.provision import provision_service_database
from outreach_dev.testing.keys import TEST_JWKS, signed_auth
from outreach_shared.auth import Role

SERVICES = ("booking", "ambassadors", "training", "notify")
ORGANISER_EMAIL = "koordinator.faults@jobbvinner.example.no"
READY_SECONDS = 120.0


def fast_settings(prefix: str) -> dict[str, str]:
    """Short polls and backoffs for every service, so faults heal within a test."""
    return {
        f"{prefix}HANDLER_BACKOFF_SECONDS": "0.05",
        f"{prefix}HANDLER_MAX_ATTEMPTS": "3",
        f"{prefix}OUTBOX_POLL_SECONDS": "0.5",
        f"{prefix}TIMER_POLL_SECONDS": "0.5",
        f"{prefix}DB_POOL_MAX": "6",
        f"{prefix}LOG_LEVEL": "INFO",
    }


SERVICE_SETTINGS = {
    "booking": {"BOOKING_MIN_NOTICE_DAYS": "0", "BOOKING_RATE_LIMIT_PER_MINUTE": "0"},
    "ambassadors": {"AMBASSADORS_OFFER_TTL_HOURS": "0.004"},  # ~14 s: unanswered offers expire within a run
    "training": {},
    "notify": {
        "NOTIFY_DELIVERY_POLL_SECONDS": "0.3",
        "NOTIFY_DELIVERY_LEASE_SECONDS": "6",
        "NOTIFY_DELIVERY_MAX_ATTEMPTS": "4",
        "NOTIFY_RETRY_BASE_SECONDS": "0.5",
        "NOTIFY_RETRY_MAX_SECONDS": "2",
        "NOTIFY_SMTP_TIMEOUT_SECONDS": "2",
        "NOTIFY_CONTACT_WAIT_SECONDS": "3",
        "NOTIFY_ORGANISER_EMAILS": ORGANISER_EMAIL,
    },
}


@dataclass
class Instance:
    """One process of a service."""

    service: str
    index: int
    port: int
    env: dict[str, str]
    log_path: Path
    child: Child | None = None

    @property
    def url(self) -> str:
        """Its HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        """True while its process runs."""
        return self.child is not None and self.child.proc.poll() is None


@dataclass
class FaultStack:
    """Everything the fault scenarios run against."""

    workdir: Path
    kafka_bootstrap: str
    kafka: LocalKafka | LocalKafkaCluster | None
    postgres: LocalPostgres = field(init=False)
    smtp: SwitchableSmtp = field(init=False)
    dsns: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    installed: dict[str, InstalledService] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    fronts: dict[str, Child] = field(default_factory=dict)
    """A round-robin balancer per service in front of its instances (`spread`); the clients then talk to it."""
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Settings by service on top of SERVICE_SETTINGS (the soak's shorter team search)."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FaultStack:
        """Start PostgreSQL and SMTP, provision the schemas, then every service (one instance each)."""
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.postgres = LocalPostgres(self.workdir / "postgres", unsafe_fast=True)
        await asyncio.to_thread(self.postgres.start)
        self.smtp = SwitchableSmtp().start()
        self.installed = {s.name: s for s in discover_services() if s.name in SERVICES}
        missing = set(SERVICES) - set(self.installed)
        assert not missing, f"services not installed: {missing}"
        for name in SERVICES:
            self.dsns[name] = await provision_service_database(self.admin_dsn, name, secrets.token_urlsafe(18))
        started = [self.spawn(name) for name in SERVICES]
        await asyncio.gather(*(self.wait_ready(i) for i in started))
        return self

    async def spread(self, instances: int) -> None:
        """Run `instances` processes of every service, each service behind a round-robin balancer on a port of its
        own (as `outreach-up --cluster` does): the clients talk to the balancer from now on."""
        started = [self.spawn(name, index=index) for name in SERVICES for index in range(1, instances)]
        await asyncio.gather(*(self.wait_ready(i) for i in started))
        for name in SERVICES:
            port = free_port()
            backends = ",".join(str(i.port) for i in self.instances if i.service == name)
            command = [sys.executable, "-m", "outreach_dev.devstack.balancer", "--port", str(port), "--to", backends]
            front = spawn(f"{name}-front", command, {}, self.workdir / "logs" / f"{name}-front.log")
            front.url = f"http://127.0.0.1:{port}"
            self.fronts[name] = front
        await asyncio.gather(*(asyncio.to_thread(wait_ready, front, "/readyz", time.monotonic() + 30)
                               for front in self.fronts.values()))
        for client in self.clients.values():
            await client.aclose()
        self.clients.clear()

    @property
    def instances_per_service(self) -> int:
        """How many processes each service runs."""
        return 1 + max((i.index for i in self.instances), default=0)

    async def stop(self) -> None:
        """Stop every process, SMTP and PostgreSQL."""
        for client in self.clients.values():
            await client.aclose()
        self.clients.clear()
        for front in self.fronts.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(front.proc.pid, signal.SIGKILL)
        for instance in reversed(self.instances):
            await asyncio.to_thread(self._terminate, instance)
        with contextlib.suppress(Exception):
            self.smtp.stop()
        await asyncio.to_thread(self.postgres.stop)

    @property
    def admin_dsn(self) -> str:
        """The superuser DSN of the stack's own PostgreSQL."""
        return self.postgres.dsn

    # ------------------------------------------------------------------ processes

    def spawn(self, service: str, *, index: int = 0) -> Instance:
        """Start one more process of `service` (index 0 is the one the workload talks to)."""
        installed = self.installed[service]
        assert installed.definition is not None
        prefix = str(settings_class(installed.definition).model_config.get("env_prefix"))
        port = free_port()
        env = service_env(installed, dsn=self.dsns[service], bootstrap=self.kafka_bootstrap,
                          jwt_public_keys=TEST_JWKS, jwks_url="", port=port, state=self.workdir,
                          smtp_port=self.smtp.port)
        env |= fast_settings(prefix) | SERVICE_SETTINGS[service] | self.settings.get(service, {})
        if extra_path := os.environ.get("FAULTS_SERVICE_PYTHONPATH"):
            env["PYTHONPATH"] = extra_path  # e.g. a sitecustomize that sabotages the services, to see a test fail
        instance = Instance(service, index, port, env, self.workdir / "logs" / f"{service}-{index}.log")
        self._launch(instance)
        self.instances.append(instance)
        return instance

    def _launch(self, instance: Instance) -> None:
        installed = self.installed[instance.service]
        instance.child = spawn(f"{instance.service}-{instance.index}", service_command(installed), instance.env,
                               instance.log_path)
        instance.child.url = instance.url

    async def wait_ready(self, instance: Instance, timeout: float = READY_SECONDS) -> None:
        """Until its /readyz answers 200."""
        assert instance.child is not None
        await asyncio.to_thread(wait_ready, instance.child, "/readyz", time.monotonic() + timeout)

    def instance(self, service: str, index: int = 0) -> Instance:
        """The live (or last) instance of `service` with that index."""
        return [i for i in self.instances if i.service == service and i.index == index][-1]

    def kill(self, instance: Instance) -> None:
        """SIGKILL the instance's process group (a crash: no shutdown, no commits)."""
        assert instance.child is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(instance.child.proc.pid, signal.SIGKILL)
        instance.child.proc.wait(10)

    async def restart(self, instance: Instance) -> None:
        """Start the instance again on the same port and settings, and wait until it is ready."""
        if instance.alive:
            self.kill(instance)
        self._launch(instance)
        await self.wait_ready(instance)

    async def ensure_running(self) -> None:
        """Restart any index-0 instance a previous scenario left dead; extra instances are stopped."""
        for instance in list(self.instances):
            if instance.index == 0 and not instance.alive:
                await self.restart(instance)
            elif instance.index > 0:
                await asyncio.to_thread(self._terminate, instance)
                self.instances.remove(instance)

    @staticmethod
    def _terminate(instance: Instance) -> None:
        if instance.child is None or instance.child.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(instance.child.proc.pid, signal.SIGTERM)
        try:
            instance.child.proc.wait(20)
        except Exception:  # noqa: BLE001 - a straggler is killed
            with contextlib.suppress(ProcessLookupError):
                os.killpg(instance.child.proc.pid, signal.SIGKILL)
            instance.child.proc.wait(5)

    # ------------------------------------------------------------------ acting as someone

    def auth(self, role: Role, subject: str | None = None) -> dict[str, str]:
        """An Authorization header for every service, signed with the test key the services trust."""
        return signed_auth(role, subject)

    def client(self, service: str) -> httpx.AsyncClient:
        """A client for index 0 of `service`, or for its balancer once the stack is `spread`."""
        if service not in self.clients:
            front = self.fronts.get(service)
            url = front.url if front is not None else self.instance(service).url
            self.clients[service] = httpx.AsyncClient(base_url=url, timeout=15)
        return self.clients[service]

    async def readiness(self) -> dict[str, int]:
        """Each live instance's /readyz status code (0 when it does not answer)."""
        codes: dict[str, int] = {}
        async with httpx.AsyncClient(timeout=5) as http:
            for instance in self.instances:
                if not instance.alive:
                    continue
                name = f"{instance.service}-{instance.index}"
                try:
                    codes[name] = (await http.get(f"{instance.url}/readyz")).status_code
                except httpx.HTTPError:
                    codes[name] = 0
        return codes

    def pids(self) -> dict[str, int]:
        """The PID of each live instance."""
        return {f"{i.service}-{i.index}": i.child.proc.pid for i in self.instances if i.alive and i.child}

    def log_tails(self, lines: int = 15) -> Iterator[str]:
        """The last lines of each instance's log, for failure messages."""
        from outreach_dev.devstack._util import tail

        for instance in self.instances:
            yield f"--- {instance.log_path}\n{tail(instance.log_path, lines)}"


def describe(value: Any) -> str:
    """A short repr for failure messages."""
    text = repr(value)
    return text if len(text) < 2000 else text[:2000] + "…"
