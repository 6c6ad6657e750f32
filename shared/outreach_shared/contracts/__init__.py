"""The contracts between services: topics, the event envelope and every event's typed payload."""

from outreach_shared.contracts.catalogue import CATALOGUE, EventSpec, spec_for
from outreach_shared.contracts.envelope import Envelope, new_envelope
from outreach_shared.contracts.topics import ALL_TOPICS, Topics, TopicSpec

__all__ = [
    "ALL_TOPICS",
    "CATALOGUE",
    "Envelope",
    "EventSpec",
    "TopicSpec",
    "Topics",
    "new_envelope",
    "spec_for",
]
