"""A service's AsyncAPI document renders with its subscribers (batch and one by one) and what it publishes."""

import json
from types import SimpleNamespace
from typing import Any

from outreach_shared.contracts import Topics
from outreach_shared.kafka import Kafka, document_publishers


def test_the_asyncapi_document_lists_subscribers_and_published_events() -> None:
    kafka = Kafka("127.0.0.1:9", client_id="notify")  # never started: the document needs no connection
    document_publishers(kafka.broker, "notify")
    notices: Any = SimpleNamespace(name="notify", event_types=["offer.made", "visit.requested"])
    contacts: Any = SimpleNamespace(name="notify-contacts", event_types=["member.registered"])
    kafka.subscribe(notices, [Topics.OFFERS, Topics.VISITS], group_id="g-batch")
    kafka.subscribe(contacts, [Topics.MEMBERS], group_id="g-single", batch=False)

    document = json.loads(kafka.specification(title="notify events").to_specification().to_json())

    channels = document["channels"]
    addresses = {channel["address"] for channel in channels.values()}
    assert {Topics.OFFERS, Topics.VISITS, Topics.MEMBERS} <= addresses
    assert "Handles: offer.made, visit.requested" in json.dumps(channels)
    delivered = document["components"]["schemas"]
    assert any("notification_id" in json.dumps(schema) for schema in delivered.values()), "published payloads"
