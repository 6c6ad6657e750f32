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


async def ensure_topics(bootstrap: str, topics: Iterable[TopicSpec], replication_factor: int = 1) -> None:
    """Create the topics that do not exist yet (compacted ones with fast-compaction settings)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import for_code

    specs = list(topics)
    if not specs:
        return
    new_topics = [
        NewTopic(s.name, s.partitions, replication_factor, topic_configs=_topic_config(s)) for s in specs
    ]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(new_topics)
    finally:
        await admin.close()
    for name, code, *rest in response.topic_errors:
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")


def _topic_config(spec: TopicSpec) -> dict[str, str]:
    config = dict(COMPACTED_TOPIC_CONFIG) if spec.compacted else {}
    if spec.retention_days is not None:
        config["retention.ms"] = str(spec.retention_days * 24 * 3600 * 1000)
    return config
