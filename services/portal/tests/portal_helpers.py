"""Test helpers of the portal: the roster as the ambassadors service publishes it."""

from uuid import uuid4

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import new_envelope
from outreach_shared.contracts.topics import Topics


def snapshot(member_id: str, email: str, *, active: bool = True) -> a.MemberSnapshot:
    """A roster snapshot as the ambassadors service publishes it."""
    return a.MemberSnapshot(
        member_id=member_id, name="Test Person", first_name="Test", profession="nurse", kommunenummer="0301",
        fylke="03", email=email, phone="+4790000000", languages=["nb"], preferred_language="nb", active=active,
    )  # fmt: skip


class Roster:
    """Publishes member events to the roster topic, as the ambassadors service would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(
        self, event: BaseModel, key: str, *, topic: str = Topics.MEMBERS, producer: str = "ambassadors"
    ) -> None:
        """Publish one event (a member event keyed by the member id, by default) as its producer would."""
        envelope = new_envelope(event, key=key, producer=producer, correlation_id=f"test-{uuid4()}")
        await self._producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())

    async def register(self, member_id: str, email: str, *, active: bool = True) -> None:
        """A member joins the roster (or is re-published as they are now)."""
        await self.send(a.MemberRegistered(member=snapshot(member_id, email, active=active)), member_id)
