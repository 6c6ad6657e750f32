"""Publishing events to the real Kafka, and waiting for their effects."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from pydantic import BaseModel

from notify.service_layer.ports import Renderer
from notify.service_layer.unit_of_work import Config, NotifyUnit
from outreach_shared.contracts import Envelope, new_envelope
from outreach_shared.contracts.ambassadors import MemberRegistered, MemberSnapshot
from outreach_shared.contracts.booking import VisitConfirmed, VisitContactShared
from outreach_shared.contracts.catalogue import spec_for_model
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.skeleton import Scope


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def member_id() -> str:
    """A member id as the roster makes them (a UUID): a member's token must carry one."""
    return str(uuid.uuid4())


def unit_on(conn: asyncpg.Connection, *, renderer: Renderer | None = None) -> NotifyUnit:
    """Notify's unit of work on a connection the test holds (in its own transaction)."""
    scope = Scope(now=datetime.now(UTC), producer="notify", correlation_id=uid("test"))
    return NotifyUnit(conn, scope, config=Config(), renderer=renderer)


class Publisher:
    """Publishes envelopes as the producing service would."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def envelope(self, envelope: Envelope) -> Envelope:
        await self._producer.send_and_wait(
            spec_for_model_type(envelope.type), envelope.to_bytes(), key=envelope.key.encode()
        )
        return envelope

    async def event(self, event: BaseModel, *, key: str) -> Envelope:
        spec = spec_for_model(type(event))
        env = new_envelope(event, key=key, producer=spec.producer, correlation_id=uid("corr"))
        return await self.envelope(env)


def spec_for_model_type(event_type: str) -> str:
    from outreach_shared.contracts import spec_for

    return spec_for(event_type).topic


def member(member_id: str, *, lang: str = "nb", email: str | None = None, first: str = "Kari") -> MemberRegistered:
    return MemberRegistered(
        member=MemberSnapshot(
            member_id=member_id,
            name=f"{first} Nordmann",
            first_name=first,
            profession="nurse",
            kommunenummer="0301",
            fylke="03",
            email=email or f"{member_id}@example.org",
            phone=phone_of(member_id),
            languages=["nb", "en"],
            preferred_language=lang,  # type: ignore[arg-type]
            active=True,
        )
    )


def phone_of(member_id: str) -> str:
    """A distinct Norwegian mobile number per test member."""
    return "+479" + str(int(uuid.uuid5(uuid.NAMESPACE_URL, member_id)) % 10_000_000).zfill(7)


def contact(visit_id: str, *, lang: str = "nb", email: str | None = None) -> VisitContactShared:
    return VisitContactShared(
        visit_id=visit_id,
        name="Liv Lærer",
        email=email or f"contact-{visit_id}@school.example.org",
        phone="+4798765432",
        language=lang,  # type: ignore[arg-type]
    )


def window(start_in: timedelta, hours: float = 1.5) -> TimeWindow:
    start = (datetime.now(UTC) + start_in).replace(microsecond=0)
    return TimeWindow(start=start, end=start + timedelta(hours=hours))


def confirmed(visit_id: str, team: list[tuple[str, str]], start_in: timedelta, **kw: Any) -> VisitConfirmed:
    return VisitConfirmed(
        visit_id=visit_id,
        scheduled=window(start_in),
        team=[TeamMember(member_id=m, profession="nurse") for m, _ in team],  # names come from the members topic
        orgnr="974760673",
        school_name="Nordstrand skole",
        school_address="Nordstrandveien 10, 1163 Oslo",
        kommunenummer="0301",
        kind="school_visit",
        language="nb",
        calendar_sequence=kw.get("sequence", 0),
    )
