"""Find or start Kafka and PostgreSQL, one way for `make up` and the tests alike.

Each is taken from its env var (KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL) when set; otherwise it is started, in Docker
(testcontainers) or as a local process (mode "docker" or "local"; OUTREACH_INFRA, else Docker when it answers).
Locally, Kafka is one broker, or a three-broker cluster when asked (`Local.kafka_brokers`, or env
OUTREACH_KAFKA_BROKERS=3 for the tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ._util import free_ports, run_sync
from .kafka import (
    KAFKA_VERSION,
    LocalKafka,
    broker_settings,
    ensure_kafka_jars,
    kafka_libs_dir,
    new_cluster_id,
    wait_until_ready,
)
from .kafka_cluster import LocalKafkaCluster
from .postgres import LocalPostgres
from .processes import LaunchError

POSTGRES_IMAGE = "postgres:18"
KAFKA_IMAGE = f"apache/kafka:{KAFKA_VERSION}"
KAFKA_ENV, POSTGRES_ENV = "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"

log = logging.getLogger(__name__)

Stops = list[Callable[[], None]]
"""What was started, as the calls that stop it (stopped last first)."""


@dataclass
class Infrastructure:
    """Where Kafka and PostgreSQL are, how each was obtained (its env var, "local" or "docker"), the local runners."""

    kafka_bootstrap: str
    admin_dsn: str
    kafka_source: str = KAFKA_ENV
    postgres_source: str = POSTGRES_ENV
    kafka: LocalKafka | LocalKafkaCluster | None = None
    postgres: LocalPostgres | None = None
    startup_seconds: float = 0.0

    @property
    def log_paths(self) -> list[Path]:
        """Return the log files of the local runners (empty for env or Docker infrastructure)."""
        kafka = self.kafka.log_paths if isinstance(self.kafka, LocalKafkaCluster) else [self.kafka]
        runners: list[LocalKafka | LocalPostgres | Path | None] = [*kafka, self.postgres]
        return [r if isinstance(r, Path) else r.log_path for r in runners if r is not None]


@dataclass(frozen=True)
class Local:
    """How to run the local processes: `make up` keeps fixed ports, durable data and its logs folder."""

    kafka_ports: tuple[int | None, int | None] = (None, None)
    """The broker's and controller's ports; None: any free one."""
    kafka_brokers: int = 1
    """1: one broker; 3: a cluster (`kafka_cluster.py`), on `cluster_ports` or free ones."""
    cluster_ports: list[tuple[int, int]] | None = None
    postgres_port: int | None = None
    durable: bool = False
    """Keep PostgreSQL's fsync (data kept across runs); tests run without it."""
    kafka_timeout: float | None = None
    postgres_timeout: float | None = None
    logs: Path | None = None
    """A folder to link each runner's log into (kafka.log, postgres.log)."""


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


def mask_dsn(dsn: str) -> str:
    """`dsn` with its password replaced by ***."""
    parts = urlsplit(dsn)
    if not parts.password:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _link_log(logs: Path | None, name: str, target: Path) -> None:
    if logs is None:
        return
    link = logs / f"{name}.log"
    with contextlib.suppress(OSError):
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(target, link.parent))


def kafka_brokers_asked(local: Local) -> int:
    """How many brokers to run: `local.kafka_brokers`, or env OUTREACH_KAFKA_BROKERS (the tests' way to ask)."""
    asked = os.environ.get("OUTREACH_KAFKA_BROKERS", "").strip()
    return int(asked) if asked.isdigit() and int(asked) > 1 else local.kafka_brokers


def _local_kafka(workdir: Path, local: Local, stops: Stops,
                 say: Callable[[str], None]) -> tuple[str, LocalKafka | LocalKafkaCluster]:  # fmt: skip
    if not (kafka_libs_dir() / ".fetched-with").is_file():
        say(f"fetching Kafka {KAFKA_VERSION} from Maven Central (first run only)…")
    ensure_kafka_jars()
    if (brokers := kafka_brokers_asked(local)) > 1:
        say(f"starting a Kafka cluster of {brokers} brokers…")
        cluster = LocalKafkaCluster(workdir / "kafka-cluster", local.cluster_ports, size=brokers)
        stops.append(cluster.stop)
        for i, node in enumerate(cluster.nodes):
            _link_log(local.logs, f"kafka-{i + 1}", node.log_path)
        began = time.monotonic()
        try:
            cluster.start(timeout=local.kafka_timeout)
        except Exception as exc:
            raise LaunchError(f"the Kafka cluster did not start; its logs: {cluster.log_paths}\n{exc}") from exc
        say(f"Kafka cluster ready at {cluster.bootstrap_servers} ({time.monotonic() - began:.1f} s)")
        return cluster.bootstrap_servers, cluster
    say("starting Kafka…")
    port, controller = local.kafka_ports
    kafka = LocalKafka(workdir / "kafka", port=port, controller_port=controller)
    seconds = _start_logged("Kafka", "kafka", kafka, local.kafka_timeout, local, stops)
    say(f"Kafka ready at {kafka.bootstrap_servers} ({seconds:.1f} s)")
    return kafka.bootstrap_servers, kafka


def _local_postgres(workdir: Path, local: Local, stops: Stops, say: Callable[[str], None]) -> tuple[str, LocalPostgres]:
    say("starting PostgreSQL…")
    postgres = LocalPostgres(workdir / "postgres", port=local.postgres_port, unsafe_fast=not local.durable)
    seconds = _start_logged("PostgreSQL", "postgres", postgres, local.postgres_timeout, local, stops)
    say(f"PostgreSQL ready at 127.0.0.1:{postgres.port} ({seconds:.1f} s)")
    return postgres.dsn, postgres


def _start_logged(label: str, log_name: str, process: LocalKafka | LocalPostgres, timeout: float | None, local: Local,
                  stops: Stops) -> float:  # fmt: skip
    """Start a local process (stopped with the rest, its log linked into the state dir); the seconds it took."""
    stops.append(process.stop)
    _link_log(local.logs, log_name, process.log_path)
    began = time.monotonic()
    try:
        process.start(timeout=timeout)
    except Exception as exc:
        raise LaunchError(f"{label} did not start; its log: {process.log_path}\n{exc}") from exc
    return time.monotonic() - began


def _docker_kafka(stops: Stops, say: Callable[[str], None]) -> tuple[str, None]:
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
    say(f"starting Kafka in Docker ({KAFKA_IMAGE})…")
    container.start()
    stops.append(container.stop)
    bootstrap = f"127.0.0.1:{port}"
    run_sync(wait_until_ready(bootstrap, time.monotonic() + 120))
    return bootstrap, None


def _docker_postgres(stops: Stops, say: Callable[[str], None]) -> tuple[str, None]:
    try:
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers < 4.14
        from testcontainers.postgres import PostgresContainer  # type: ignore[no-redef,unused-ignore]

    container = PostgresContainer(
        POSTGRES_IMAGE, username="postgres", password="postgres", dbname="postgres", driver=None
    )
    container = container.with_command("postgres -c max_connections=300 -c fsync=off")
    say(f"starting PostgreSQL in Docker ({POSTGRES_IMAGE})…")
    container.start()
    stops.append(container.stop)
    return container.get_connection_url(), None


Started = tuple[str, LocalKafka | LocalKafkaCluster | LocalPostgres | None]
"""An address (bootstrap servers or admin DSN) and the local runner behind it, if any."""


@dataclass
class _Source:
    """Where one of Kafka and PostgreSQL comes from: how to get it, and what stops it once got."""

    get: Callable[[], Started]
    source: str
    stops: Stops


def _from_env(name: str, var: str, value: str, say: Callable[[str], None]) -> Started:
    say(f"using {name} at {mask_dsn(value) if var == POSTGRES_ENV else value} ({var})")
    return value, None


def _sources(workdir: Path, mode: str, local: Local, say: Callable[[str], None]) -> dict[str, _Source]:
    """Kafka's and then PostgreSQL's source: its env var if set, else a container or a local process."""
    sources: dict[str, _Source] = {}
    for name, var in (("Kafka", KAFKA_ENV), ("PostgreSQL", POSTGRES_ENV)):
        stops: Stops = []
        if value := os.environ.get(var):
            sources[name] = _Source(partial(_from_env, name, var, value, say), var, stops)
        elif mode == "docker":
            docker = _docker_kafka if name == "Kafka" else _docker_postgres
            sources[name] = _Source(partial(docker, stops, say), mode, stops)
        else:
            runner = _local_kafka if name == "Kafka" else _local_postgres
            sources[name] = _Source(partial(runner, workdir, local, stops, say), mode, stops)
    return sources


def start_infrastructure(
    workdir: Path | str,
    stops: Stops,
    *,
    mode: str | None = None,
    local: Local | None = None,
    one_at_a_time: bool = False,
    say: Callable[[str], None] = log.info,
) -> Infrastructure:
    """Kafka + PostgreSQL from their env vars, else started (data under `workdir`); `stops` gets what stops them,
    even when one fails to start. Both start together unless `one_at_a_time` (Kafka first)."""
    everything_given = os.environ.get(KAFKA_ENV) and os.environ.get(POSTGRES_ENV)
    mode = mode or ("local" if everything_given else choose_mode())
    sources = _sources(Path(workdir), mode, local or Local(), say)
    began = time.monotonic()
    try:
        if one_at_a_time:
            got = {name: source.get() for name, source in sources.items()}
        else:
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="devstack") as pool:
                futures = {name: pool.submit(source.get) for name, source in sources.items()}
                got = {name: future.result() for name, future in futures.items()}
    finally:
        stops += [stop for source in sources.values() for stop in source.stops]
    (kafka_bootstrap, kafka), (admin_dsn, postgres) = got["Kafka"], got["PostgreSQL"]
    return Infrastructure(
        kafka_bootstrap=kafka_bootstrap,
        admin_dsn=admin_dsn,
        kafka_source=sources["Kafka"].source,
        postgres_source=sources["PostgreSQL"].source,
        kafka=kafka if isinstance(kafka, LocalKafka | LocalKafkaCluster) else None,
        postgres=postgres if isinstance(postgres, LocalPostgres) else None,
        startup_seconds=time.monotonic() - began,
    )


def stop_all(stops: Stops) -> None:
    """Stop what was started, last first; a failing stop does not keep the others from stopping."""
    while stops:
        with contextlib.suppress(Exception):
            stops.pop()()


@contextlib.contextmanager
def acquire_infrastructure(
    workdir: Path | str, *, mode: str | None = None, local: Local | None = None
) -> Iterator[Infrastructure]:
    """Yield Kafka + PostgreSQL (see `start_infrastructure`); stop what was started on exit."""
    stops: Stops = []
    try:
        infra = start_infrastructure(workdir, stops, mode=mode, local=local)
        log.info(
            "infrastructure ready in %.1fs (kafka: %s, postgres: %s)",
            infra.startup_seconds,
            infra.kafka_source,
            infra.postgres_source,
        )
        yield infra
    finally:
        stop_all(stops)
