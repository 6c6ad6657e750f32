"""Settings refuse production without a trusted key, a private key among the trusted ones and an inbox that forgets
too soon; the contracts catalogue is complete."""

import json

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from outreach_shared.contracts import ALL_TOPICS, CATALOGUE, Envelope, Topics, new_envelope
from outreach_shared.contracts.training import AttendanceRecorded
from outreach_shared.housekeeping import kit_purges
from outreach_shared.settings import ServiceSettings, service_config
from outreach_shared.signing import SigningKey, jwks

KEY = SigningKey.generate()
PUBLIC = json.dumps(jwks([KEY.public_jwk()]))


class DemoSettings(ServiceSettings):
    model_config = service_config("DEMO_")


def test_production_refuses_settings_that_trust_no_key():
    with pytest.raises(ValidationError, match="jwt_jwks_url or jwt_public_keys"):
        DemoSettings(environment="production", jwt_jwks_url="", jwt_public_keys="")
    assert DemoSettings(environment="production").jwt_jwks_url  # the portal's, by default
    assert DemoSettings(environment="production", jwt_jwks_url="", jwt_public_keys=PUBLIC).trusted_keys()


def test_trusted_keys_must_be_public_ed25519_keys_with_a_kid(monkeypatch):
    private = json.dumps({"keys": [KEY.public_jwk() | {"d": "c2VjcmV0"}]})
    rsa = '{"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "kid": "r"}]}'
    no_kid = json.dumps({"keys": [{k: v for k, v in KEY.public_jwk().items() if k != "kid"}]})
    for document, reason in [(private, "private part"), (rsa, "Ed25519"), ("not json", "jwt_public_keys"),
                             (no_kid, "kid")]:
        with pytest.raises(ValidationError, match=reason):
            DemoSettings(jwt_public_keys=document)
    monkeypatch.setenv("DEMO_JWT_PUBLIC_KEYS", PUBLIC)
    assert [k["kid"] for k in DemoSettings().trusted_keys()] == [KEY.kid]


def test_the_jwks_url_must_be_http():
    with pytest.raises(ValidationError, match="jwt_jwks_url"):
        DemoSettings(jwt_jwks_url="file:///etc/passwd")


def test_settings_read_their_own_prefix(monkeypatch):
    monkeypatch.setenv("DEMO_HTTP_PORT", "9123")
    monkeypatch.setenv("HTTP_PORT", "1")
    assert DemoSettings().http_port == 9123


def test_secret_is_not_shown_in_repr():
    assert "hunter2" not in repr(DemoSettings(database_url=SecretStr("postgresql://u:hunter2@db/postgres")))


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
