"""The envelope every event travels in."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

SAFE_ID = r"^[A-Za-z0-9._:/+=-]{1,200}$"
"""Ids a sender chooses (correlation, causation): they are logged, so they may not carry e-mails or free text."""
EVENT_TYPE = r"^[a-z][a-z0-9.-]{0,99}$"


class Envelope(BaseModel):
    """Metadata around one event's payload; serialised as the Kafka record value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(default_factory=uuid4)
    type: str = Field(pattern=EVENT_TYPE)
    schema_version: int = Field(ge=1)
    occurred_at: datetime
    producer: str
    correlation_id: str = Field(pattern=SAFE_ID)
    causation_id: str | None = Field(default=None, pattern=SAFE_ID)
    key: str = Field(description="The aggregate id; also the Kafka record key.")
    payload: dict[str, Any]

    def to_bytes(self) -> bytes:
        """Serialise for Kafka."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        """Parse a Kafka record value; raises pydantic.ValidationError when it is not an envelope."""
        return cls.model_validate_json(raw)


def new_envelope(
    event: BaseModel,
    *,
    key: str,
    producer: str,
    correlation_id: str,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap a typed payload (a catalogued event model) in an envelope."""
    from outreach_shared.contracts.catalogue import spec_for_model

    spec = spec_for_model(type(event))
    return Envelope(
        type=spec.type,
        schema_version=spec.version,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        correlation_id=correlation_id,
        causation_id=causation_id,
        key=key,
        payload=event.model_dump(mode="json"),
    )
