"""Development and test infrastructure: a real Kafka broker and PostgreSQL server, and their provisioning."""

from .kafka import KAFKA_VERSION, LocalKafka, ensure_kafka_jars
from .postgres import LocalPostgres
from .provision import ensure_topics, provision_service_database
from .stack import Infrastructure, acquire_infrastructure

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
