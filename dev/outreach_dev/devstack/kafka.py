"""A real single-node Apache Kafka broker (KRaft) run from Maven Central jars, for tests and local runs."""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from ._server import LocalServer
from ._util import LOCALHOST, free_ports, run_sync, tail

KAFKA_VERSION = "4.1.1"
READINESS_TOPIC = "_outreach_readiness"
_PACKAGE_DIR = Path(__file__).parent
POM_PATH = _PACKAGE_DIR / "kafka-pom.xml"
LOG4J2_CONFIG_PATH = _PACKAGE_DIR / "log4j2.properties"
_MVN_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies"

log = logging.getLogger(__name__)


def cache_root() -> Path:
    """Return the cache directory (env OUTREACH_CACHE_DIR, default ~/.cache/outreach)."""
    return Path(os.environ.get("OUTREACH_CACHE_DIR") or Path.home() / ".cache" / "outreach").expanduser()


def kafka_libs_dir(version: str = KAFKA_VERSION) -> Path:
    """Return where the broker's jars for `version` are cached."""
    return cache_root() / f"kafka-{version}" / "libs"


def _jars_stamp(version: str) -> str:
    digest = hashlib.sha256(POM_PATH.read_bytes()).hexdigest()
    return f"{version} {digest}"


def ensure_kafka_jars(version: str = KAFKA_VERSION) -> Path:
    """Fetch the broker's jars with Maven into the cache unless that pom's jars are there; return the dir."""
    libs = kafka_libs_dir(version)
    stamp = _jars_stamp(version)
    stamp_file = libs / ".fetched-with"
    if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=libs.parent, prefix="fetch-") as tmp:
        staging = _maven_fetch(Path(tmp), version)
        (staging / ".fetched-with").write_text(stamp + "\n")
        if libs.exists():  # stale cache (other pom): set it aside, the temp dir deletes it
            os.replace(libs, Path(tmp) / "stale")
        os.replace(staging, libs)
    return libs


def _maven_fetch(workdir: Path, version: str) -> Path:
    if shutil.which("mvn") is None:
        raise RuntimeError("Kafka jars are not cached and `mvn` is not on PATH to fetch them")
    shutil.copyfile(POM_PATH, workdir / "pom.xml")
    staging = workdir / "libs"
    cmd = ["mvn", "-B", "-q", _MVN_PLUGIN, "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
    if version != KAFKA_VERSION:
        cmd.append(f"-Dkafka.version={version}")
    log.info("fetching Kafka %s jars with Maven into %s", version, kafka_libs_dir(version))
    result = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return staging


def cluster_id_of(log_dir: Path) -> str | None:
    """Return the cluster id recorded in a formatted log dir's meta.properties, if any."""
    try:
        lines = (log_dir / "meta.properties").read_text().splitlines()
    except FileNotFoundError:
        return None
    ids = [line.split("=", 1)[1].strip() for line in lines if line.startswith("cluster.id=")]
    return ids[0] if ids else None


def new_cluster_id() -> str:
    """Return a random 22-character Kafka cluster id (URL-safe base64 of a UUID).

    Like Kafka's own `Uuid.randomUuid`, never one starting with '-': the storage tool would read it as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def broker_settings(port: int, controller_port: int, log_dirs: str, host: str = LOCALHOST, *, node_id: int = 1,
                    voters: str | None = None, replicas: int = 1) -> dict[str, str]:  # fmt: skip
    """Return the KRaft broker+controller settings used locally and in containers: a single node, or node `node_id`
    of a cluster whose controllers are `voters` ("1@host:port,2@host:port,...") with `replicas` copies of every
    record (the internal topics too) and writes needing two of them in sync (`min.insync.replicas`)."""
    in_sync = str(min(2, replicas))
    return {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": voters or f"{node_id}@{host}:{controller_port}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": log_dirs,
        "num.partitions": "3",
        "auto.create.topics.enable": "false",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": in_sync if replicas > 1 else "1",
        "offsets.topic.replication.factor": str(replicas),
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": in_sync if replicas > 1 else "1",
        "group.initial.rebalance.delay.ms": "0",
        "log.cleaner.dedupe.buffer.size": "1048577",
        "log.cleaner.backoff.ms": "1000",
    }


def render_properties(settings: dict[str, str]) -> str:
    """Render settings as a Java .properties file body."""
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _port_open(bootstrap: str) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


async def wait_until_ready(bootstrap: str, deadline: float, alive: Callable[[], bool] | None = None, *,
                           replicas: int = 1) -> None:  # fmt: skip
    """Poll until the broker creates and describes a topic (an open port is not a ready broker); with `replicas`,
    one with that many copies, which needs that many brokers registered (a cluster's first start), and metadata
    listing that many brokers."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import for_code

    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError("Kafka broker process exited during start-up")
        if not _port_open(bootstrap):  # saves aiokafka from logging a connection error per attempt
            await asyncio.sleep(0.2)
            continue
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            response = await admin.create_topics([NewTopic(READINESS_TOPIC, 1, replicas)])
            for _topic, code, *_ in response.topic_errors:
                if code not in (0, 36):  # 36: TOPIC_ALREADY_EXISTS
                    raise for_code(code)(f"creating {READINESS_TOPIC}")
            (described,) = await admin.describe_topics([READINESS_TOPIC])
            brokers = len((await admin.describe_cluster())["brokers"])
            if described["error_code"] == 0 and described["partitions"] and brokers >= replicas:
                return
            last_error = RuntimeError(f"not ready: {described}, {brokers} brokers in the metadata")
        except Exception as exc:  # any failure means "not ready yet"
            last_error = exc
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
        await asyncio.sleep(0.5)
    raise TimeoutError(f"Kafka at {bootstrap} not ready in time: {last_error!r}")


BROKER_JVM_OPTIONS = ("-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true", "-XX:TieredStopAtLevel=1")
"""The local broker's JVM. `TieredStopAtLevel=1` compiles with C1 only: a local broker lives for one test session or
one benchmark, minutes, and C2's compiler thread spent more CPU in them than the broker's request threads. Measured on
the 2-core machine: under booking's load the broker's CPU per visit request fell from 218-358 to 54-90 us; at a steady
1,600 records/s in produce requests of 10, its request threads spent about a third more with C1's code, and the whole
broker less (20% of a core against 22-34%, C2 still compiling after four minutes). The container broker
keeps the image's defaults (docker-compose.yml)."""


class LocalKafka(LocalServer):
    """One KRaft broker+controller JVM on 127.0.0.1, with its data, config and log under `data_dir`: a single-node
    cluster, or one node of a `LocalKafkaCluster` (its `node_id`, the cluster's `voters`, `cluster_id` and
    `replicas`)."""

    STOP_SIGNAL = signal.SIGTERM
    START_TIMEOUT = 90.0

    def __init__(
        self,
        data_dir: Path | str,
        port: int | None = None,
        controller_port: int | None = None,
        version: str = KAFKA_VERSION,
        *,
        node_id: int = 1,
        voters: str | None = None,
        cluster_id: str | None = None,
        replicas: int = 1,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port
        self.version = version
        self.node_id = node_id
        self.voters = voters
        self.cluster_id = cluster_id
        self.replicas = replicas
        self._proc: subprocess.Popen[bytes] | None = None
        atexit.register(self._stop_at_exit)

    @property
    def bootstrap_servers(self) -> str:
        """Return "127.0.0.1:PORT" (the port is chosen by the first start() unless given)."""
        if self.port is None:
            raise RuntimeError("LocalKafka has no port yet: call start() first")
        return f"{LOCALHOST}:{self.port}"

    @property
    def log_path(self) -> Path:
        """Return the broker's log file (its stdout and stderr)."""
        return self.data_dir / "kafka.log"

    @property
    def log_dirs(self) -> Path:
        """Return the broker's storage directory (log.dirs)."""
        return self.data_dir / "kraft"

    @property
    def properties_path(self) -> Path:
        """Return the server.properties file written by start()."""
        return self.data_dir / "server.properties"

    def start(self, timeout: float | None = None) -> LocalKafka:
        """Fetch jars if needed, write config, format storage (once), start the JVM and wait until ready."""
        if self.is_running():
            return self
        deadline = time.monotonic() + (timeout or self.START_TIMEOUT)
        self.launch()
        try:
            run_sync(wait_until_ready(self.bootstrap_servers, deadline, self.is_running))
        except BaseException as exc:
            self.kill()
            raise RuntimeError(f"Kafka failed to start; log {self.log_path}:\n{tail(self.log_path)}") from exc
        log.info("Kafka %s ready at %s (pid %s)", self.version, self.bootstrap_servers, self.pid)
        return self

    def launch(self) -> None:
        """Fetch jars if needed, write config, format storage (once) and start the JVM, without waiting for it (a
        cluster's nodes must all be starting before any of them can elect a controller)."""
        libs = ensure_kafka_jars(self.version)
        self._prepare_config()
        self._format_storage(libs)
        self._launch(libs)

    def _prepare_config(self) -> None:
        if self.port is None or self.controller_port is None:
            port, controller_port = free_ports(2)
            self.port = self.port or port
            self.controller_port = self.controller_port or controller_port
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        settings = broker_settings(self.port, self.controller_port, str(self.log_dirs), node_id=self.node_id,
                                   voters=self.voters, replicas=self.replicas)  # fmt: skip
        self.properties_path.write_text(render_properties(settings))

    def _java(self, libs: Path, main: str, *args: str, jvm: tuple[str, ...] = ()) -> list[str]:
        java = shutil.which("java") or "java"
        logging_flags = (
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG_PATH}",
            f"-Dkafka.logs.dir={self.data_dir}/logs",
        )
        return [java, *jvm, *logging_flags, "-cp", f"{libs}/*", main, *args]

    def _format_storage(self, libs: Path) -> None:
        cmd = self._java(
            libs,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id_of(self.log_dirs) or self.cluster_id or new_cluster_id(),
            "-c",
            str(self.properties_path),
            "--ignore-formatted",
        )
        with self.log_path.open("ab") as out:
            result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"Kafka storage format failed; log {self.log_path}:\n{tail(self.log_path)}")

    def _launch(self, libs: Path) -> None:
        cmd = self._java(libs, "kafka.Kafka", str(self.properties_path), jvm=BROKER_JVM_OPTIONS)
        with self.log_path.open("ab") as out:
            self._proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
