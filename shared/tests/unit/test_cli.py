"""The organiser CLI: tokens a service accepts, and exit codes a script can rely on."""

from typer.testing import CliRunner

from outreach_shared.auth import decode_token
from outreach_shared.cli import app
from outreach_shared.cli.errors import EXIT_UNAVAILABLE, EXIT_USAGE
from outreach_shared.settings import DEV_JWT_SECRET

runner = CliRunner()


def test_school_token_carries_the_organisation_number():
    result = runner.invoke(app, ["token", "school", "974760673"])
    assert result.exit_code == 0
    principal = decode_token(DEV_JWT_SECRET, result.stdout.strip())
    assert (principal.role, principal.orgnr) == ("school", "974760673")


def test_member_and_organiser_tokens():
    member = decode_token(DEV_JWT_SECRET, runner.invoke(app, ["token", "member", "m-7"]).stdout.strip())
    organiser = decode_token(DEV_JWT_SECRET, runner.invoke(app, ["token", "organiser"]).stdout.strip())
    assert (member.role, member.member_id, organiser.role) == ("member", "m-7", "organiser")


def test_token_uses_the_configured_secret(monkeypatch):
    from outreach_shared.cli.settings import get_settings

    monkeypatch.setenv("OUTREACH_JWT_SECRET", "another-secret-for-this-deployment-only")
    get_settings.cache_clear()
    try:
        token = runner.invoke(app, ["token", "organiser"]).stdout.strip()
        assert decode_token("another-secret-for-this-deployment-only", token).role == "organiser"
    finally:
        get_settings.cache_clear()


def test_bad_orgnr_is_a_usage_error():
    result = runner.invoke(app, ["token", "school", "12"])
    assert result.exit_code == EXIT_USAGE
    assert "9 digits" in result.output


def test_unreachable_service_exits_with_unavailable(monkeypatch):
    from outreach_shared.cli.settings import get_settings

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
