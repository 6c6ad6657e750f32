"""The organiser CLI: tokens a service accepts, and exit codes a script can rely on."""

import asyncio
import time
from collections.abc import Iterator

import jwt
import pytest
from typer.testing import CliRunner

from outreach_shared.auth import Principal
from outreach_shared.cli import app
from outreach_shared.cli.errors import EXIT_UNAVAILABLE, EXIT_USAGE
from outreach_shared.cli.settings import get_settings
from outreach_shared.signing import AUDIENCES, KeySet, SigningKey, verify_token

runner = CliRunner()
KEY = SigningKey.generate()


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[SigningKey]:
    monkeypatch.setenv("OUTREACH_SIGNING_KEY", KEY.pem())
    get_settings.cache_clear()
    yield KEY
    get_settings.cache_clear()


def verified(token: str, key: SigningKey = KEY, audience: str = "booking") -> Principal:
    return asyncio.run(verify_token(KeySet([key.public_jwk()]), token, audience=audience))


def test_school_token_carries_the_organisation_number():
    result = runner.invoke(app, ["token", "school", "974760673"])
    assert result.exit_code == 0
    principal = verified(result.stdout.strip())
    assert (principal.role, principal.orgnr) == ("school", "974760673")


def test_member_and_organiser_tokens():
    member = verified(runner.invoke(app, ["token", "member", "m-7"]).stdout.strip())
    organiser = verified(runner.invoke(app, ["token", "organiser"]).stdout.strip())
    assert (member.role, member.member_id, organiser.role) == ("member", "m-7", "organiser")


def test_a_token_works_against_every_service_for_15_minutes_by_default():
    token = runner.invoke(app, ["token", "organiser"]).stdout.strip()
    assert all(verified(token, audience=audience).role == "organiser" for audience in AUDIENCES)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - time.time() == pytest.approx(15 * 60, abs=30)
    longer = runner.invoke(app, ["token", "school", "974760673", "--ttl-minutes", "60"]).stdout.strip()
    assert jwt.decode(longer, options={"verify_signature": False})["exp"] - time.time() == pytest.approx(3600, abs=30)
    days = runner.invoke(app, ["token", "member", "m-7", "--ttl-days", "2"]).stdout.strip()
    lifetime = jwt.decode(days, options={"verify_signature": False})["exp"] - time.time()
    assert lifetime == pytest.approx(2 * 86400, abs=30)


def test_token_uses_the_configured_key(monkeypatch):
    other = SigningKey.generate()
    monkeypatch.setenv("OUTREACH_SIGNING_KEY", other.pem().replace("\n", "\\n"))  # as cli.env writes it
    get_settings.cache_clear()
    token = runner.invoke(app, ["token", "organiser"]).stdout.strip()
    assert verified(token, other).role == "organiser"
    with pytest.raises(Exception, match="trusted key"):
        verified(token, KEY)


def test_a_missing_or_bad_signing_key_is_a_usage_error_naming_the_variable(monkeypatch):
    monkeypatch.delenv("OUTREACH_SIGNING_KEY")
    get_settings.cache_clear()
    result = runner.invoke(app, ["token", "organiser"])
    assert result.exit_code == EXIT_USAGE and "OUTREACH_SIGNING_KEY" in result.output
    monkeypatch.setenv("OUTREACH_SIGNING_KEY", "not a key")
    get_settings.cache_clear()
    result = runner.invoke(app, ["token", "organiser"])
    assert result.exit_code == EXIT_USAGE and "OUTREACH_SIGNING_KEY" in result.output


def test_bad_orgnr_is_a_usage_error():
    result = runner.invoke(app, ["token", "school", "12"])
    assert result.exit_code == EXIT_USAGE
    assert "9 digits" in result.output


def test_unreachable_service_exits_with_unavailable(monkeypatch):
    monkeypatch.setenv("OUTREACH_BOOKING_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["stats"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "cannot reach" in result.output


def test_replay_without_offsets_is_a_usage_error():
    assert runner.invoke(app, ["dead-letters", "replay"]).exit_code == EXIT_USAGE
