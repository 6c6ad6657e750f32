"""OffsetCommitter: handled offsets are committed in the background, coalesced, before a revoke and on close."""

import asyncio
from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError

from outreach_dev.testing.waiting import eventually
from outreach_shared.offsets import OffsetCommitter

A, B = TopicPartition("visits", 0), TopicPartition("visits", 1)


@dataclass
class Rec:
    topic: str
    partition: int
    offset: int


class Consumer:
    """Records each commit; fails the first ones with the errors given."""

    def __init__(self, *failures: Exception) -> None:
        self.commits: list[dict[TopicPartition, int]] = []
        self.failures = list(failures)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.commits.append(dict(offsets))


async def test_batches_handled_close_together_share_one_commit_of_their_last_offsets() -> None:
    consumer, committer = Consumer(), OffsetCommitter(name="t", interval=0.3)
    committer.handled(consumer, [Rec("visits", 0, 4), Rec("visits", 1, 9)])
    await eventually(lambda: len(consumer.commits) == 1, timeout=2.0, interval=0.01)
    assert consumer.commits == [{A: 5, B: 10}]  # the first at once: none was committed in the last interval

    for offset in range(5, 25):  # 20 batches within the interval
        committer.handled(consumer, [Rec("visits", 0, offset)])
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.1)
    assert len(consumer.commits) == 1, "commits within the interval wait for its end"
    await eventually(lambda: len(consumer.commits) == 2, timeout=2.0, interval=0.01)
    assert consumer.commits[1] == {A: 25}
    await asyncio.sleep(0.4)
    assert len(consumer.commits) == 2, "nothing handled, nothing committed"
    await committer.close()


async def test_pending_offsets_are_committed_before_partitions_are_revoked_and_on_close() -> None:
    consumer, committer = Consumer(), OffsetCommitter(name="t", interval=10)
    committer.handled(consumer, [Rec("visits", 0, 1)])
    await eventually(lambda: len(consumer.commits) == 1, timeout=2.0, interval=0.01)
    committer.handled(consumer, [Rec("visits", 0, 2)])
    await committer.on_partitions_revoked({A})
    assert consumer.commits[-1] == {A: 3}

    committer.handled(consumer, [Rec("visits", 1, 7)])
    await committer.close()
    assert consumer.commits[-1] == {B: 8}
    committer.handled(consumer, [Rec("visits", 1, 8)])  # after close: left for the next start's redelivery
    await asyncio.sleep(0.05)
    assert consumer.commits[-1] == {B: 8}


async def test_a_failed_commit_is_retried_and_one_refused_by_a_rebalance_is_dropped() -> None:
    consumer = Consumer(KafkaConnectionError("broker away"))
    committer = OffsetCommitter(name="t", interval=0.05)
    committer.handled(consumer, [Rec("visits", 0, 3)])
    await eventually(lambda: len(consumer.commits) == 1, timeout=2.0, interval=0.01)
    assert consumer.commits == [{A: 4}]

    consumer.failures.append(CommitFailedError("rebalanced"))
    committer.handled(consumer, [Rec("visits", 1, 5)])
    await asyncio.sleep(0.2)
    assert consumer.commits == [{A: 4}], "the new owner starts from the last commit; its inbox drops the repeats"
    await committer.close()
    assert consumer.commits == [{A: 4}]


@dataclass
class Coordinator:
    generation: int


class GroupConsumer(Consumer):
    """A consumer with aiokafka's coordinator: -1 once the group dropped it (its session expired)."""

    def __init__(self, generation: int, *failures: Exception) -> None:
        super().__init__(*failures)
        self._coordinator = Coordinator(generation)


async def test_a_consumer_the_group_dropped_does_not_commit_its_older_offsets() -> None:
    consumer = GroupConsumer(7)
    committer = OffsetCommitter(name="t", interval=0.05)
    committer.handled(consumer, [Rec("visits", 0, 3)])
    await eventually(lambda: consumer.commits == [{A: 4}], timeout=2.0, interval=0.01)

    consumer._coordinator.generation = -1  # woke past its session timeout: aiokafka reset its generation
    committer.handled(consumer, [Rec("visits", 0, 4)])
    await committer.on_partitions_revoked({A})  # the rejoin's revoke commits nothing either
    await asyncio.sleep(0.2)
    assert consumer.commits == [{A: 4}], "generation -1 is a commit from outside the group: an empty group takes it"

    consumer._coordinator.generation = 8  # joined again
    committer.handled(consumer, [Rec("visits", 0, 9)])
    await eventually(lambda: consumer.commits[-1] == {A: 10}, timeout=2.0, interval=0.01)
    await committer.close()


async def test_offsets_still_unsent_when_partitions_are_revoked_are_left_to_their_next_owner() -> None:
    consumer = Consumer(*(KafkaConnectionError("coordinator away") for _ in range(3)))
    committer = OffsetCommitter(name="t", interval=0.2)
    committer.handled(consumer, [Rec("visits", 0, 3)])
    await eventually(lambda: len(consumer.failures) == 2, timeout=2.0, interval=0.01)
    await committer.on_partitions_revoked({A})  # its commit fails too: a retry after the revoke would commit them
    await asyncio.sleep(0.5)  # under the next generation, over what the next owner committed
    assert consumer.commits == []
    await committer.close()
    assert consumer.commits == []
