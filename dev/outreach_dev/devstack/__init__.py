"""Development and test infrastructure: a real Kafka broker and PostgreSQL server, and their provisioning."""

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
