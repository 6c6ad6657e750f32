"""Committing a subscriber's handled offsets in the background, a few times a second instead of after every batch.

A batch's offsets are committed only once it is handled, as before; what changes is when. Committing after every
batch cost an OffsetCommit request (a write to the broker's offsets log) and its round trip before the next fetch:
about a third of the broker's requests in the end-to-end flow. An offset committed later than it could have been
only means that, after a crash or a rebalance, a few handled events are delivered again, and the inbox drops them.
"""

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError

from outreach_shared.logging import get_logger

log = get_logger(__name__)

COMMIT_INTERVAL_SECONDS = 0.25


def in_the_group(consumer: Any) -> bool:
    """Whether `consumer` is a member of its group now, so a commit is one of its generation.

    A consumer that stood still past its session timeout (a long pause, SIGSTOP) learns on waking that the group
    dropped it; aiokafka then resets its generation to -1 and sends the next commit with it, and the broker takes a
    commit of generation -1 as one from outside the group, accepted when the group is empty at that moment (its
    other instance dropped too, by a broker failover). The zombie's older offsets moved the group's committed offset
    back (the soak saw it). The Java client refuses to commit outside a generation (`generationIfStable`); so does
    this. aiokafka keeps the generation on its coordinator, with no public accessor."""
    generation = getattr(getattr(consumer, "_coordinator", None), "generation", None)
    return not isinstance(generation, int) or generation >= 0


class OffsetCommitter(ConsumerRebalanceListener):
    """Commits the offsets after handled records: at once when none was committed in the last `interval` seconds,
    else at the end of it. Also before partitions are revoked, and on `close()`.

    It is the subscriber's rebalance listener, so a partition handed to another instance leaves with its offsets.
    """

    def __init__(self, *, name: str, interval: float = COMMIT_INTERVAL_SECONDS) -> None:
        self.name = name
        self.interval = interval
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: Any = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def handled(self, consumer: Any, records: Iterable[Any]) -> None:
        """Records (with topic, partition and offset) of `consumer` are handled: their offsets may be committed."""
        self._consumer = consumer
        self._keep({TopicPartition(r.topic, r.partition): r.offset + 1 for r in records})  # in offset order
        if self._task is None and not self._closed:  # once closed, they wait for the next start's redelivery
            self._task = asyncio.create_task(self._run(), name=f"{self.name}:offsets")
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self.flush()
            await asyncio.sleep(self.interval)

    async def flush(self) -> None:
        """Commit what is pending now."""
        async with self._lock:
            if not self._pending or self._consumer is None:
                return
            offsets, self._pending = self._pending, {}
            if not in_the_group(self._consumer):
                log.info("offsets not committed: no longer a member of the group", consumer=self.name)
                return
            try:
                await self._consumer.commit(offsets)
            except CommitFailedError:
                # The group rebalanced: these partitions may be someone else's now, who starts from the last
                # committed offset and whose inbox drops the events handled here.
                log.info("offsets not committed: the group rebalanced", consumer=self.name)
            except asyncio.CancelledError:
                self._keep(offsets)  # close() commits them
                raise
            except Exception as exc:
                log.warning("committing offsets failed; retrying", consumer=self.name, error=type(exc).__name__)
                self._keep(offsets)
                self._wake.set()

    def _keep(self, offsets: dict[TopicPartition, int]) -> None:
        for tp, offset in offsets.items():
            self._pending[tp] = max(self._pending.get(tp, 0), offset)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.flush()
        async with self._lock:
            self._pending = {}  # not committed (a retry was due): the partitions' next owner handles them again

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None

    async def close(self) -> None:
        """Commit what is pending and stop (before the consumer stops)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()
