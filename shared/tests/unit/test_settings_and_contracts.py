"""Settings refuse placeholder secrets outside development and an inbox that forgets too soon; the contracts
catalogue is complete."""

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from outreach_shared.contracts import ALL_TOPICS, CATALOGUE, Envelope, Topics, new_envelope
from outreach_shared.contracts.training import AttendanceRecorded
from outreach_shared.housekeeping import kit_purges
from outreach_shared.settings import DEV_JWT_SECRET, ServiceSettings, service_config


class DemoSettings(ServiceSettings):
    model_config = service_config("DEMO_")


def test_placeholder_secret_is_refused_in_production():
    with pytest.raises(ValidationError, match="placeholder"):
        DemoSettings(environment="production", jwt_secret=SecretStr(DEV_JWT_SECRET))


def test_short_secret_is_refused_in_production():
    with pytest.raises(ValidationError, match="32 characters"):
        DemoSettings(environment="production", jwt_secret=SecretStr("short-but-not-a-placeholder"))


def test_development_accepts_the_dev_secret():
    assert DemoSettings(environment="development").jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_settings_read_their_own_prefix(monkeypatch):
    monkeypatch.setenv("DEMO_HTTP_PORT", "9123")
    monkeypatch.setenv("HTTP_PORT", "1")
    assert DemoSettings().http_port == 9123


def test_secret_is_not_shown_in_repr():
    assert DEV_JWT_SECRET not in repr(DemoSettings())


def test_the_inbox_remembers_handled_events_longer_than_a_dead_letter_can_be_replayed():
    dead_letter_days = next(t.retention_days for t in ALL_TOPICS if t.name == Topics.DEAD_LETTERS)
    assert dead_letter_days is not None
    with pytest.raises(ValidationError, match="inbox_keep_hours"):
        DemoSettings(inbox_keep_hours=24 * dead_letter_days)
    assert DemoSettings(inbox_keep_hours=24 * (dead_letter_days + 1)).inbox_keep_hours == 24 * (dead_letter_days + 1)


def test_every_service_purges_the_kits_outbox_inbox_and_timers_each_after_its_own_setting():
    settings = DemoSettings(outbox_keep_hours=11, inbox_keep_hours=24 * 40, timers_keep_hours=13)
    assert {p.table: p.keep_hours for p in kit_purges(settings)} == {"outbox": 11, "inbox": 24 * 40, "timers": 13}


def test_every_catalogued_event_is_on_a_declared_topic():
    topics = {t.name for t in ALL_TOPICS}
    assert {spec.topic for spec in CATALOGUE.values()} <= topics


def test_every_payload_refuses_unknown_fields():
    for spec in CATALOGUE.values():
        assert spec.model.model_config.get("extra") == "forbid", spec.type
        assert spec.description, f"{spec.type} needs a docstring for the catalogue"


def test_envelope_round_trips_through_bytes():
    envelope = new_envelope(AttendanceRecorded(gathering_id="g", member_id="m"), key="g", producer="training",
                            correlation_id="c")
    again = Envelope.from_bytes(envelope.to_bytes())
    assert again == envelope
    assert (again.type, again.schema_version) == ("gathering.attendance-recorded", 1)


def test_uncatalogued_model_cannot_be_wrapped():
    class Stray(BaseModel):
        x: int = 1

    with pytest.raises(LookupError):
        new_envelope(Stray(), key="k", producer="p", correlation_id="c")


def test_envelope_refuses_free_text_where_ids_are_logged():
    base = new_envelope(AttendanceRecorded(gathering_id="g", member_id="m"), key="g", producer="training",
                        correlation_id="c-1").model_dump()
    for field, value in (("correlation_id", "kari@example.no"), ("causation_id", "Kari Nordmann"),
                         ("type", "member.registered kari@example.no")):
        with pytest.raises(ValidationError) as refused:
            Envelope(**{**base, field: value})
        assert "example.no" not in str(refused.value.errors(include_input=False))
