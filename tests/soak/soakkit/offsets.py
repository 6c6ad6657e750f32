"""Watching the consumer groups' committed offsets through the run, as an outsider can (Kafka's admin API).

A consumer stopped past its session timeout is a zombie when it wakes: the group has handed its partitions to
another instance, which has handled and committed further. If the zombie's commit of its older position were
accepted, the group's committed offset would move back (and its records be handled again); the group must refuse it
(the generation changed). So: no group's committed offset of any partition ever moves back.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from faultkit.invariants import consumer_groups

POLL_SECONDS = 1.0


class OffsetWatch:
    """Samples every group's committed offsets about once a second until stopped; notes any that moved back."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.highest: dict[tuple[str, str, int], int] = {}
        self.moved_back: list[str] = []
        self.samples = 0
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """End the watch after the sample under way."""
        self._stop.set()

    async def run(self) -> None:
        """Sample until `stop`; a sample the cluster cannot answer (brokers down) is skipped."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=5_000)
        await admin.start()
        try:
            while not self._stop.is_set():
                for group in consumer_groups():
                    with contextlib.suppress(KafkaError, OSError, TimeoutError):
                        offsets = await asyncio.wait_for(admin.list_consumer_group_offsets(group.group_id), 6)
                        self.sample(group.group_id, {(tp.topic, tp.partition): meta.offset
                                                     for tp, meta in offsets.items()})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), POLL_SECONDS)
        finally:
            await admin.close()

    def sample(self, group: str, committed: dict[tuple[str, int], int]) -> None:
        """One reading of a group's committed offsets (-1: nothing committed yet)."""
        self.samples += 1
        for (topic, partition), offset in committed.items():
            if offset < 0:
                continue
            key = (group, topic, partition)
            before = self.highest.get(key, -1)
            if offset < before:
                self.moved_back.append(f"{group} {topic}-{partition}: committed {before}, then {offset}")
            self.highest[key] = max(before, offset)
