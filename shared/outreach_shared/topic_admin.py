"""Creating the Kafka topics a service needs, idempotently (every service does it on start)."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from outreach_shared.contracts.topics import TopicSpec

if TYPE_CHECKING:
    from aiokafka.admin import AIOKafkaAdminClient

_TOPIC_ALREADY_EXISTS = 36
_DEFAULT_COPIES = "default.replication.factor"
COMPACTED_TOPIC_CONFIG = {
    "cleanup.policy": "compact",
    "segment.ms": "60000",
    "min.cleanable.dirty.ratio": "0.01",
    "delete.retention.ms": "1000",
}


MAX_REPLICAS = 3
"""Copies of each record the topics ask for, where the cluster has that many brokers: with `min.insync.replicas`
2, a write (acks=all) survives one broker lost and is refused rather than kept once when two are."""


def replicas_for(brokers: int) -> int:
    """The replication factor for a cluster of `brokers`: three, or all of them on a smaller one."""
    return max(1, min(MAX_REPLICAS, brokers))


async def ensure_topics(bootstrap: str, topics: Iterable[TopicSpec], replication_factor: int | None = None) -> None:
    """Create the topics that do not exist yet (compacted ones with fast-compaction settings), with
    `replication_factor` copies (default: `default_copies`) and, with three or more, `min.insync.replicas=2`."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import for_code

    specs = list(topics)
    if not specs:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        copies = replication_factor or await default_copies(admin)
        new_topics = [NewTopic(s.name, s.partitions, copies, topic_configs=_topic_config(s, copies)) for s in specs]
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    for name, code, *rest in response.topic_errors:
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")


async def default_copies(admin: "AIOKafkaAdminClient") -> int:
    """The copies a new topic gets: `replicas_for` the brokers the metadata lists, and never fewer than the cluster's
    own `default.replication.factor`. A broker's metadata can lag a moment behind a cluster's start (or a broker be
    down for a while), and a topic created then would keep too few copies for good: the broker's setting is the
    cluster's intent, the count only what one broker saw."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    brokers = (await admin.describe_cluster())["brokers"]
    seen = replicas_for(len(brokers))
    if not brokers:
        return seen
    broker = ConfigResource(ConfigResourceType.BROKER, str(brokers[0]["node_id"]), {_DEFAULT_COPIES: None})
    (response,) = await admin.describe_configs([broker])
    entries = {entry[0]: entry[1] for resource in response.resources for entry in resource[4]}
    configured = int(entries.get(_DEFAULT_COPIES) or 1)
    return max(seen, configured)


def _topic_config(spec: TopicSpec, copies: int) -> dict[str, str]:
    config = dict(COMPACTED_TOPIC_CONFIG) if spec.compacted else {}
    if copies >= MAX_REPLICAS:
        config["min.insync.replicas"] = "2"
    if spec.retention_days is not None:
        config["retention.ms"] = str(spec.retention_days * 24 * 3600 * 1000)
    return config
