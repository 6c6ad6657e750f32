"""Records are partitioned exactly as aiokafka's (and the Java client's) default partitioner does."""

import random
import uuid

from aiokafka.partitioner import DefaultPartitioner

from outreach_shared.kafka import partition_for_key


def test_keys_land_on_the_same_partition_as_with_the_default_partitioner() -> None:
    default = DefaultPartitioner()
    keys = [str(uuid.uuid4()).encode() for _ in range(2000)] + [b"", b"a", "ø-æ-å".encode()]
    for partitions in ([0], list(range(3)), list(range(6)), list(range(12))):
        for key in keys + keys[:50]:  # the second time from the remembered hashes
            assert partition_for_key(key, partitions, partitions) == default(key, partitions, partitions)


def test_records_without_a_key_go_to_an_available_partition() -> None:
    random.seed(7)
    assert {partition_for_key(None, [0, 1, 2], [1]) for _ in range(20)} == {1}
