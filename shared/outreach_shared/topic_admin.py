"""Creating the Kafka topics a service needs, idempotently (every service does it on start)."""

from collections.abc import Iterable

from outreach_shared.contracts.topics import TopicSpec

_TOPIC_ALREADY_EXISTS = 36
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
    `replication_factor` copies (default: `replicas_for` the brokers the cluster has) and, with three or more,
    `min.insync.replicas=2`."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import for_code

    specs = list(topics)
    if not specs:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        copies = replication_factor or replicas_for(len((await admin.describe_cluster())["brokers"]))
        new_topics = [NewTopic(s.name, s.partitions, copies, topic_configs=_topic_config(s, copies)) for s in specs]
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    for name, code, *rest in response.topic_errors:
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")


def _topic_config(spec: TopicSpec, copies: int) -> dict[str, str]:
    config = dict(COMPACTED_TOPIC_CONFIG) if spec.compacted else {}
    if copies >= MAX_REPLICAS:
        config["min.insync.replicas"] = "2"
    if spec.retention_days is not None:
        config["retention.ms"] = str(spec.retention_days * 24 * 3600 * 1000)
    return config
