"""Find or start the infrastructure (Kafka + PostgreSQL): env vars, then Docker, then local processes."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._util import free_ports, run_sync
from .kafka import KAFKA_VERSION, LocalKafka, broker_settings, new_cluster_id, wait_until_ready
from .postgres import LocalPostgres

POSTGRES_IMAGE = "postgres:18"
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"

log = logging.getLogger(__name__)


@dataclass
class Infrastructure:
    """Where Kafka and PostgreSQL are, how each was obtained, and the local runners if any."""

    kafka_bootstrap: str
    admin_dsn: str
    kafka_source: str = "env"
    postgres_source: str = "env"
    kafka: LocalKafka | None = None
    postgres: LocalPostgres | None = None
    startup_seconds: float = 0.0

    @property
    def log_paths(self) -> list[Path]:
        """Return the log files of the local runners (empty for env or Docker infrastructure)."""
        runners: list[LocalKafka | LocalPostgres | None] = [self.kafka, self.postgres]
        return [runner.log_path for runner in runners if runner is not None]


def docker_available() -> bool:
    """Return True if a Docker engine answers `docker info`."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def choose_mode() -> str:
    """Return how to start missing infrastructure: env OUTREACH_INFRA (local|docker), else auto-detect."""
    forced = os.environ.get("OUTREACH_INFRA", "").strip().lower()
    if forced in ("local", "docker"):
        return forced
    return "docker" if docker_available() else "local"


def _start_local_kafka(stack: ExitStack, workdir: Path) -> Callable[[], tuple[str, LocalKafka | None]]:
    kafka = LocalKafka(workdir / "kafka")
    stack.callback(kafka.stop)

    def start() -> tuple[str, LocalKafka | None]:
        kafka.start()
        return kafka.bootstrap_servers, kafka

    return start


def _start_local_postgres(stack: ExitStack, workdir: Path) -> Callable[[], tuple[str, LocalPostgres | None]]:
    postgres = LocalPostgres(workdir / "postgres", unsafe_fast=True)
    stack.callback(postgres.stop)

    def start() -> tuple[str, LocalPostgres | None]:
        postgres.start()
        return postgres.dsn, postgres

    return start


def _start_docker_kafka(stack: ExitStack, workdir: Path) -> Callable[[], tuple[str, LocalKafka | None]]:
    """Start apache/kafka in a container, with the host port fixed so it can be advertised."""
    from testcontainers.core.container import DockerContainer

    port, controller_port = free_ports(2)
    settings = broker_settings(port, controller_port, "/tmp/kraft-combined-logs", host="0.0.0.0")
    settings["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{port}"
    settings["controller.quorum.voters"] = f"1@localhost:{controller_port}"
    container = DockerContainer(KAFKA_IMAGE).with_bind_ports(port, port)
    for key, value in settings.items():
        container = container.with_env("KAFKA_" + key.upper().replace(".", "_"), value)
    container = container.with_env("CLUSTER_ID", new_cluster_id())

    def start() -> tuple[str, LocalKafka | None]:
        container.start()
        stack.callback(container.stop)
        bootstrap = f"127.0.0.1:{port}"
        run_sync(wait_until_ready(bootstrap, time.monotonic() + 120))
        return bootstrap, None

    return start


def _start_docker_postgres(stack: ExitStack, workdir: Path) -> Callable[[], tuple[str, LocalPostgres | None]]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.14
        from testcontainers.postgres import PostgresContainer  # type: ignore[no-redef,unused-ignore]

    container = PostgresContainer(
        POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres", driver=None
    )
    container = container.with_command("postgres -c max_connections=300 -c fsync=off")

    def start() -> tuple[str, LocalPostgres | None]:
        container.start()
        stack.callback(container.stop)
        return container.get_connection_url(), None

    return start


_KAFKA_STARTERS = {"local": _start_local_kafka, "docker": _start_docker_kafka}
_POSTGRES_STARTERS = {"local": _start_local_postgres, "docker": _start_docker_postgres}


@contextmanager
def acquire_infrastructure(workdir: Path | str) -> Iterator[Infrastructure]:
    """Yield Kafka + PostgreSQL: from KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, else Docker, else local."""
    workdir = Path(workdir)
    kafka_env, postgres_env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("DATABASE_URL")
    mode = "env" if kafka_env and postgres_env else choose_mode()
    began = time.monotonic()
    with ExitStack() as stack:
        start_kafka = None if kafka_env else _KAFKA_STARTERS[mode](stack, workdir)
        start_postgres = None if postgres_env else _POSTGRES_STARTERS[mode](stack, workdir)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="devstack") as pool:
            kafka_future = pool.submit(start_kafka) if start_kafka else None
            postgres_future = pool.submit(start_postgres) if start_postgres else None
            bootstrap, kafka = kafka_future.result() if kafka_future else (str(kafka_env), None)
            dsn, postgres = postgres_future.result() if postgres_future else (str(postgres_env), None)
        infra = Infrastructure(
            kafka_bootstrap=bootstrap,
            admin_dsn=dsn,
            kafka_source=mode if kafka_future else "env",
            postgres_source=mode if postgres_future else "env",
            kafka=kafka,
            postgres=postgres,
            startup_seconds=time.monotonic() - began,
        )
        log.info(
            "infrastructure ready in %.1fs (kafka: %s, postgres: %s)",
            infra.startup_seconds,
            infra.kafka_source,
            infra.postgres_source,
        )
        yield infra
