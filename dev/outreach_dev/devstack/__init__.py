"""Development and test infrastructure: a real Kafka broker and PostgreSQL server, and their provisioning.

infrastructure  find or start Kafka and PostgreSQL (env vars, Docker, local processes): `make up` and the tests
kafka, postgres the local runners;  provision  a role and schema per service
launcher        `outreach-up` (`make up`): the run, from the modules below
processes       spawn, wait_ready, stop_children;  services  the installed services, their env and command
state           the state dir and its secrets;  asyncapi, screen, demo  what `make up` writes, prints and seeds
mailcatcher     the SMTP catcher with an HTTP API
"""

from .infrastructure import Infrastructure, acquire_infrastructure
from .kafka import KAFKA_VERSION, LocalKafka, ensure_kafka_jars
from .postgres import LocalPostgres
from .provision import ensure_topics, provision_service_database

__all__ = [
    "KAFKA_VERSION",
    "Infrastructure",
    "LocalKafka",
    "LocalPostgres",
    "acquire_infrastructure",
    "ensure_kafka_jars",
    "ensure_topics",
    "provision_service_database",
]
