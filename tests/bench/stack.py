"""The real stack for the benchmarks: Kafka + PostgreSQL once, services as processes per benchmark.

Process management is the launcher's (`outreach_dev.devstack.launcher`): discover, provision, spawn, wait for
/readyz, stop. Each benchmark starts only the services it measures, so the others do not load the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from outreach_dev.devstack import launcher
from outreach_dev.devstack._util import free_ports
from outreach_dev.devstack.infrastructure import acquire_infrastructure
from outreach_dev.devstack.kafka import KAFKA_VERSION
from outreach_dev.devstack.state import trusted_jwks
from outreach_shared.contracts import ALL_TOPICS
from outreach_shared.signing import SigningKey

CONSUMER_GROUPS = {
    "booking": ["outreach-booking"],
    "ambassadors": ["outreach-ambassadors"],
    "training": ["outreach-training"],
    "notify": ["outreach-notify", "outreach-notify-contacts", "outreach-notify-sign-in",
               "outreach-notify-dead-letters"],
    "portal": ["outreach-portal"],
}
"""The default group of every subscription (see each service's bootstrap/entrypoints)."""


@dataclass
class Stack:
    """Where Kafka and PostgreSQL are, each service's DSN, the signing key the services trust and a state dir."""

    bootstrap: str
    admin_dsn: str
    state: Path
    signing_key: SigningKey
    services: dict[str, launcher.InstalledService]
    dsns: dict[str, str] = field(default_factory=dict)
    kafka_version: str = KAFKA_VERSION
    smtp_port: int = 0
    mail_url: str = ""


@contextlib.contextmanager
def open_stack(workdir: Path) -> Iterator[Stack]:
    """Start (or find) Kafka and PostgreSQL, provision every service's role, schema and the topics."""
    with acquire_infrastructure(workdir / "infra") as infra:
        installed = {s.name: s for s in launcher.discover_services()}
        state = workdir / "state"
        (state / "logs").mkdir(parents=True, exist_ok=True)
        stack = Stack(infra.kafka_bootstrap, infra.admin_dsn, state, SigningKey.generate(), installed)
        passwords = {name: secrets.token_urlsafe(18) for name in installed}
        dsns = asyncio.run(launcher.provision(launcher.Infrastructure(stack.bootstrap, stack.admin_dsn), passwords))
        stack.dsns = dsns
        yield stack


def not_ready(stack: Stack, names: list[str]) -> str | None:
    """Why these services cannot be started (not installed or not importable), or None."""
    for name in names:
        service = stack.services.get(name)
        if service is None:
            return f"service {name} is not installed"
        if service.definition is None:
            return f"service {name} does not import: {service.error}"
    return None


@contextlib.contextmanager
def patched_env(extra: dict[str, str]) -> Iterator[None]:
    """Extra environment for the processes spawned inside (the launcher passes os.environ on)."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def services(stack: Stack, names: list[str], env: dict[str, str] | None = None,
             mailcatcher: bool = False) -> Iterator[dict[str, str]]:
    """Run the named services (and the mail catcher) as processes; yield their base URLs."""
    ports = free_ports(len(names) + 2)
    args = argparse.Namespace(ready_timeout=180.0, mail_http_port=ports[-2], mail_smtp_port=ports[-1],
                              **{f"port_{n}": p for n, p in zip(names, ports, strict=False)})
    run = launcher.Run(args, stack.state, infra=launcher.Infrastructure(stack.bootstrap, stack.admin_dsn))
    asyncio.run(start_groups_at_end(stack.bootstrap, [g for n in names for g in CONSUMER_GROUPS.get(n, [])]))
    try:
        urls: dict[str, str] = {}
        if mailcatcher:
            urls["mailcatcher"] = launcher.start_mailcatcher(run).url
        with patched_env(env or {}):
            children = launcher.start_services(run, [stack.services[n] for n in names], stack.dsns,
                                               trusted_jwks(stack.signing_key))
        yield urls | {name: child.url for name, child in children.items()}
    finally:
        run.stop()


async def start_groups_at_end(bootstrap: str, groups: list[str]) -> None:
    """Commit the current end of every topic for these groups, so earlier benchmarks' events are not consumed."""
    for group in groups:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            partitions = [TopicPartition(t.name, p) for t in ALL_TOPICS for p in range(t.partitions)]
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
        finally:
            await consumer.stop()


@contextlib.contextmanager
def process(stack: Stack, name: str, cmd: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    """Any other process (the bare baseline app), managed the launcher's way."""
    child = launcher.spawn(name, cmd, env, stack.state / "logs" / f"{name}.log")
    child.url = ready_url
    try:
        launcher.wait_ready(child, "", time.monotonic() + 60)
        yield
    finally:
        launcher.stop_children([child])


PYTHON = sys.executable
