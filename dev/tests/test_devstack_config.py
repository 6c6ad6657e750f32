"""Unit tests of the devstack's pure helpers (no broker or database started)."""

import socket
from pathlib import Path

import pytest

from outreach_dev.devstack import infrastructure, kafka, postgres, provision
from outreach_dev.devstack._util import free_port, free_ports, tail


def test_broker_settings_are_single_node_kraft_on_localhost() -> None:
    settings = kafka.broker_settings(9092, 9093, "/data/kraft")
    assert settings["process.roles"] == "broker,controller"
    assert settings["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert settings["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert settings["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert settings["log.dirs"] == "/data/kraft"
    assert settings["num.partitions"] == "3"
    assert settings["auto.create.topics.enable"] == "false"
    assert settings["log.cleaner.backoff.ms"] == "1000"
    assert settings["offsets.topic.num.partitions"] == "1"
    assert settings["group.initial.rebalance.delay.ms"] == "0"
    assert "controller.quorum.bootstrap.servers" not in settings  # never mixed with quorum.voters


def test_render_properties_is_one_key_value_per_line() -> None:
    text = kafka.render_properties({"a.b": "1", "c": "x,y"})
    assert text == "a.b=1\nc=x,y\n"


def test_cluster_id_is_22_url_safe_characters() -> None:
    cluster_id = kafka.new_cluster_id()
    assert len(cluster_id) == 22
    assert set(cluster_id) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_cluster_id_is_read_back_from_formatted_storage(tmp_path: Path) -> None:
    assert kafka.cluster_id_of(tmp_path) is None
    (tmp_path / "meta.properties").write_text("#\nnode.id=1\ncluster.id=AbCdEfGhIjKlMnOpQrStUv\nversion=1\n")
    assert kafka.cluster_id_of(tmp_path) == "AbCdEfGhIjKlMnOpQrStUv"


def test_cache_dir_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path))
    assert kafka.kafka_libs_dir("4.1.1") == tmp_path / "kafka-4.1.1" / "libs"


def test_local_kafka_has_no_address_before_start(tmp_path: Path) -> None:
    broker = kafka.LocalKafka(tmp_path)
    assert broker.log_path == tmp_path.resolve() / "kafka.log"
    assert not broker.is_running()
    with pytest.raises(RuntimeError):
        _ = broker.bootstrap_servers
    assert kafka.LocalKafka(tmp_path, port=19092).bootstrap_servers == "127.0.0.1:19092"


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(3)
    assert len(set(ports)) == 3
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", free_port()))


def test_postgres_settings_listen_on_localhost_only() -> None:
    settings = postgres.server_settings(5433)
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["port"] == "5433"
    assert settings["max_connections"] == "300"
    assert "fsync" not in settings
    assert postgres.server_settings(5433, unsafe_fast=True)["fsync"] == "off"


def test_postgres_dsn_is_the_superuser_on_localhost(tmp_path: Path) -> None:
    server = postgres.LocalPostgres(tmp_path, port=5433)
    assert server.dsn == "postgresql://postgres@127.0.0.1:5433/postgres"


def test_service_dsn_swaps_credentials_and_keeps_the_rest() -> None:
    dsn = provision.service_dsn("postgresql://postgres@127.0.0.1:5433/postgres?sslmode=disable", "alpha", "p@ss/:")
    assert dsn == "postgresql://alpha:p%40ss%2F%3A@127.0.0.1:5433/postgres?sslmode=disable"


async def test_provisioning_rejects_names_that_are_not_identifiers() -> None:
    with pytest.raises(ValueError):
        await provision.provision_service_database("postgresql://x@127.0.0.1:1/x", "Robert'); DROP", "pw")


def test_env_mode_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTREACH_INFRA", "local")
    assert infrastructure.choose_mode() == "local"


def test_tail_of_missing_file_is_empty(tmp_path: Path) -> None:
    assert tail(tmp_path / "nope.log") == ""
    (tmp_path / "x.log").write_text("\n".join(str(i) for i in range(100)))
    assert tail(tmp_path / "x.log", 2) == "98\n99"


def test_cluster_ids_never_start_with_a_dash_the_storage_tool_would_read_as_an_option():
    from outreach_dev.devstack.kafka import new_cluster_id

    ids = [new_cluster_id() for _ in range(5000)]  # about 1 in 64 raw ids starts with '-'
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_infrastructure_from_env_vars_starts_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:secret@127.0.0.1:15432/postgres")
    said: list[str] = []
    stops: infrastructure.Stops = []
    infra = infrastructure.start_infrastructure(tmp_path, stops, say=said.append)
    assert (infra.kafka_bootstrap, infra.kafka_source) == ("127.0.0.1:19092", "KAFKA_BOOTSTRAP_SERVERS")
    assert infra.admin_dsn.endswith(":secret@127.0.0.1:15432/postgres") and infra.postgres_source == "DATABASE_URL"
    assert (infra.kafka, infra.postgres, stops) == (None, None, [])
    assert said == [
        "using Kafka at 127.0.0.1:19092 (KAFKA_BOOTSTRAP_SERVERS)",
        "using PostgreSQL at postgresql://postgres:***@127.0.0.1:15432/postgres (DATABASE_URL)",
    ]


def test_one_at_a_time_a_failed_kafka_starts_no_postgres_and_is_stopped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    stopped: list[str] = []

    def kafka_fails(workdir: Path, local: object, stops: infrastructure.Stops, say: object) -> tuple[str, None]:
        stops.append(lambda: stopped.append("kafka"))
        raise infrastructure.LaunchError("Kafka did not start")

    def postgres(workdir: Path, local: object, stops: infrastructure.Stops, say: object) -> tuple[str, None]:
        raise AssertionError("PostgreSQL must not start after Kafka failed")

    monkeypatch.setattr(infrastructure, "_local_kafka", kafka_fails)
    monkeypatch.setattr(infrastructure, "_local_postgres", postgres)
    stops: infrastructure.Stops = []
    with pytest.raises(infrastructure.LaunchError):
        infrastructure.start_infrastructure(tmp_path, stops, mode="local", one_at_a_time=True)
    infrastructure.stop_all(stops)
    assert stopped == ["kafka"] and stops == []
