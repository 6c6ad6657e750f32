"""`make up`'s tokens: a development signing key kept in secrets.json, only its public half given to the services,
the CLI given the key, the portal started and listed first."""

import json
import os
import subprocess
import sys
from pathlib import Path

from outreach_dev.devstack.services import DEFAULT_PORTS, discover_services, service_env
from outreach_dev.devstack.state import development_key, load_secrets, trusted_jwks, write_cli_env
from outreach_shared.signing import SigningKey, parse_jwks


def test_secrets_keep_one_development_signing_key_and_drop_an_old_jwt_secret(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"jwt_secret": "x" * 48, "db_passwords": {"booking": "pw"}}))
    first = load_secrets(path, ["booking", "portal"])
    assert "jwt_secret" not in first and "jwt_secret" not in path.read_text()
    key = development_key(first)
    assert development_key(load_secrets(path, ["booking", "portal"])).kid == key.kid  # kept across runs
    assert first["db_passwords"]["booking"] == "pw" and first["db_passwords"]["portal"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_services_are_given_the_public_half_only_and_the_portal_s_jwks_url(tmp_path: Path) -> None:
    key = SigningKey.generate()
    trusted = trusted_jwks(key)
    assert [jwk["kid"] for jwk in parse_jwks(trusted)] == [key.kid]
    assert "PRIVATE" not in trusted and '"d"' not in trusted
    for service in [s for s in discover_services() if s.definition is not None]:
        env = service_env(service, dsn="postgresql://x@127.0.0.1/postgres", bootstrap="127.0.0.1:9092",
                          jwt_public_keys=trusted, jwks_url="http://127.0.0.1:8000/.well-known/jwks.json",
                          port=8001, state=tmp_path, smtp_port=1025)  # fmt: skip
        prefix = service.name.upper()
        assert env[f"{prefix}_JWT_PUBLIC_KEYS"] == trusted
        assert env[f"{prefix}_JWT_JWKS_URL"] == "http://127.0.0.1:8000/.well-known/jwks.json"
        assert not any("PRIVATE KEY" in value for value in env.values())


def test_the_portal_starts_first_on_8000() -> None:
    assert next(iter(DEFAULT_PORTS)) == "portal" and DEFAULT_PORTS["portal"] == 8000
    names = [s.name for s in discover_services()]
    assert "portal" in names and names[0] == "portal"


def test_the_cli_env_file_gives_the_cli_the_key_it_signs_with(tmp_path: Path) -> None:
    key = SigningKey.generate()
    write_cli_env(tmp_path, key, "127.0.0.1:9092", {"booking": "http://127.0.0.1:8001", "mailcatcher": "x"})
    text = (tmp_path / "cli.env").read_text()
    assert "OUTREACH_JWT_SECRET" not in text and "OUTREACH_SIGNING_KEY=" in text
    sourced = subprocess.run(["sh", "-c", f"set -a; . {tmp_path / 'cli.env'}; set +a; "
                              f"{sys.executable} -m outreach_shared.cli.main token organiser"],
                             env={k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")},
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert sourced.returncode == 0, sourced.stderr
    header = json.loads(_b64decode(sourced.stdout.strip().split(".")[0]))
    assert header["kid"] == key.kid


def _b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
