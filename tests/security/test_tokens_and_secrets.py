"""Secrets come only from settings (typed as secrets); no service is given anything that can mint a token; bearer
tokens are checked on every service (the portal too): expired, forged, wrong-audience, wrong-key, unknown-kid,
unsigned (`alg: none`), HMAC-with-the-public-key and foreign-issued tokens are refused where a proper one is
accepted."""

import ast
import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
import pytest_asyncio
import yaml
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr
from sec_system import System

from ambassadors.settings import AmbassadorsSettings
from booking.settings import BookingSettings
from notify.settings import NotifySettings
from outreach_dev.devstack.services import discover_services, env_prefix, service_env, settings_class
from outreach_dev.devstack.state import trusted_jwks
from outreach_dev.testing.keys import TEST_KEY
from outreach_dev.testing.service import RunningService, running_service
from outreach_shared.cli.settings import CliSettings
from outreach_shared.settings import ServiceSettings
from outreach_shared.signing import AUDIENCES, SigningKey, jwks
from portal.bootstrap import SERVICE as PORTAL
from portal.settings import PortalSettings
from training.settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("services/*/src/**/*.py"), *(ROOT / "shared" / "outreach_shared").rglob("*.py")]
DEV_TOOLS = ROOT / "shared" / "outreach_shared" / "devstack"
DEV_TOOL_VARIABLES = {
    "OUTREACH_PG_BINDIR", "OUTREACH_CACHE_DIR", "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "OUTREACH_STATE_DIR",
    "OUTREACH_INFRA",
}  # fmt: skip
SECRET_FIELD = re.compile(r"(secret|password|token|database_url|_key)$")
SETTINGS = [BookingSettings, AmbassadorsSettings, TrainingSettings, NotifySettings, PortalSettings, CliSettings]
STRANGER = SigningKey.generate()
# One real endpoint per service, the role it serves, and a subject for that role.
ENDPOINTS = {
    "booking": ("/v1/visit-requests", "organiser", None),
    "ambassadors": ("/v1/members", "organiser", None),
    "training": ("/v1/gatherings", "organiser", None),
    "notify": ("/v1/me/notifications", "member", "0b5e7f0c-2f1a-4a4e-9d56-5a1d2b3c4d5e"),
    "portal": ("/v1/operations/set-aside", "organiser", None),
}


def _environment_reads(path: Path) -> list[tuple[int, str]]:
    """(line, variable or '?') for every os.environ / os.getenv / environ use in a module."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
            reads.append((node.lineno, "?"))
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and {a.name for a in node.names} & {
            "environ", "getenv"
        }:  # fmt: skip
            reads.append((node.lineno, "?"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            owner = node.func.value
            if isinstance(owner, ast.Attribute) and owner.attr == "environ" and node.args:
                arg = node.args[0]
                reads.append((node.lineno, arg.value if isinstance(arg, ast.Constant) else "?"))
    return reads


def test_no_module_reads_the_environment_outside_settings() -> None:
    offending = []
    for path in SOURCES:
        for line, variable in _environment_reads(path):
            if path.is_relative_to(DEV_TOOLS) and (variable in DEV_TOOL_VARIABLES or variable == "?"):
                continue  # the local dev stack's launcher: infrastructure addresses, never a service's secret
            offending.append(f"{path.relative_to(ROOT)}:{line} reads {variable}")
    assert len(SOURCES) > 50 and offending == []


def test_dev_tools_read_no_secret_variables() -> None:
    names = {v for p in DEV_TOOLS.rglob("*.py") for _, v in _environment_reads(p)}
    assert {n for n in names if re.search(r"SECRET|PASSWORD|TOKEN|KEY", n)} == set()


@pytest.mark.parametrize("settings_class", SETTINGS, ids=lambda c: c.__name__)
def test_every_secret_setting_is_a_secret_string(settings_class: type) -> None:
    secret_fields = {n: f for n, f in settings_class.model_fields.items() if SECRET_FIELD.search(n)}
    assert secret_fields, "expected at least one secret"
    plain = {n: f.annotation for n, f in secret_fields.items() if f.annotation not in (SecretStr, SecretStr | None)}
    assert plain == {}


def test_production_refuses_settings_that_trust_no_key_and_any_private_key() -> None:
    with pytest.raises(ValueError, match="jwt_jwks_url or jwt_public_keys"):
        ServiceSettings(environment="production", jwt_jwks_url="", jwt_public_keys="")
    private = json.dumps(jwks([TEST_KEY.public_jwk() | {"d": _b64(b"\0" * 32)}]))
    with pytest.raises(ValueError, match="private part"):
        ServiceSettings(jwt_public_keys=private)
    with pytest.raises(ValueError):
        ServiceSettings(jwt_public_keys=TEST_KEY.pem())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(role: str, subject: str | None, audience: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"iss": "outreach", "sub": subject or "organiser", "role": role, "aud": audience,
                              "iat": now, "exp": now + timedelta(minutes=5), "jti": "t"}  # fmt: skip
    if role == "member":
        claims["member_id"] = subject
    return {k: v for k, v in (claims | changes).items() if v is not None}


def _signed(claims: dict[str, Any], key: SigningKey = TEST_KEY, kid: str | None = None) -> str:
    return jwt.encode(claims, key.private, algorithm="EdDSA", headers={"kid": kid or key.kid})


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return _b64(json.dumps(value, default=lambda d: int(d.timestamp())).encode())

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': TEST_KEY.kid})}.{part(claims)}."


def _hmac_signed(claims: dict[str, Any], secret: bytes, algorithm: str = "HS256") -> str:
    """A token signed with HMAC, the trusted key's public part as its secret (the algorithm-confusion attack)."""
    header = {"alg": algorithm, "typ": "JWT", "kid": TEST_KEY.kid}
    body = json.dumps(claims, default=lambda d: int(d.timestamp())).encode()
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(body)}"
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[algorithm]
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), digest).digest())}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def portal(provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str
                 ) -> AsyncIterator[RunningService]:
    """The portal, a service like the others: it verifies the tokens of its own API the same way."""
    async with running_service(PORTAL, dsn=await provisioned_dsns("portal"), kafka_bootstrap=kafka_bootstrap,
                               consumer_group=f"security-tokens-{secrets.token_hex(4)}") as svc:  # fmt: skip
        yield svc


@pytest.mark.parametrize("service", list(ENDPOINTS))
async def test_each_service_refuses_forged_expired_foreign_and_confused_tokens(
    system: System, portal: RunningService, service: str
) -> None:
    path, role, subject = ENDPOINTS[service]
    client = portal.client if service == "portal" else system.client(service)
    now = datetime.now(UTC)
    other_service = next(a for a in AUDIENCES if a != service)
    public = TEST_KEY.private.public_key()
    raw_public = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem_public = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    good = _claims(role, subject, service)
    tokens = {
        "proper": _signed(good),
        "for every service": _signed(_claims(role, subject, list(AUDIENCES))),
        "expired": _signed(_claims(role, subject, service, iat=now - timedelta(hours=2),
                                   exp=now - timedelta(seconds=1))),
        "wrong audience": _signed(_claims(role, subject, other_service)),
        "no audience": _signed(_claims(role, subject, service, aud=None)),
        "wrong key": _signed(good, STRANGER),
        "wrong key under the trusted kid": _signed(good, STRANGER, kid=TEST_KEY.kid),
        "unknown kid": _signed(good, TEST_KEY, kid="no-such-key"),
        "alg none": _unsigned(good),
        "HS256 with the public key": _hmac_signed(good, raw_public),
        "HS256 with the public key's PEM": _hmac_signed(good, pem_public),
        "HS256 with the JWK's x": _hmac_signed(good, TEST_KEY.public_jwk()["x"].encode()),
        "HS512 with the public key": _hmac_signed(good, raw_public, "HS512"),
        "no expiry": _signed(_claims(role, subject, service, exp=None)),
        "other issuer": _signed(_claims(role, subject, service, iss="someone-else")),
        "unknown role": _signed(_claims("admin", subject, service)),
        "tampered": _tamper(_signed(_claims("member", "0b5e7f0c-2f1a-4a4e-9d56-5a1d2b3c4d5e", service)), role),
    }  # fmt: skip
    answers = {}
    for name, token in tokens.items():
        response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        answers[name] = response.status_code
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert response.headers["content-type"] == "application/problem+json"
            if name == "expired":
                assert response.json()["detail"] == "the token has expired"
            if name == "wrong audience":
                assert response.json()["detail"] == f"the token is not for {service}"
    assert answers == {"proper": 200, "for every service": 200} | dict.fromkeys(list(tokens)[2:], 401)


def _tamper(token: str, role: str) -> str:
    """The same signature over claims that now say `role` (and organiser's whole country)."""
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    forged = _b64(json.dumps(decoded | {"role": role, "sub": "organiser"}).encode())
    return f"{header}.{forged}.{signature}"


PRIVATE_KEY_MARKERS = re.compile(r"PRIVATE KEY|\"d\"\s*:|JWT_SECRET|SIGNING_KEY", re.IGNORECASE)


def test_no_service_is_given_a_private_key_by_the_launcher(tmp_path: Path) -> None:
    key = SigningKey.generate()
    installed = [s for s in discover_services() if s.definition is not None]
    assert {s.name for s in installed} >= {*ENDPOINTS}
    for service in installed:
        env = service_env(service, dsn="postgresql://u:p@127.0.0.1/postgres", bootstrap="127.0.0.1:9092",
                          jwt_public_keys=trusted_jwks(key), jwks_url="http://127.0.0.1:8000/.well-known/jwks.json",
                          port=8001, state=tmp_path, smtp_port=1025)  # fmt: skip
        prefix = env_prefix(settings_class(service.definition), service.name)
        assert [k for k, v in env.items() if PRIVATE_KEY_MARKERS.search(f"{k}={v}")] == [], service.name
        assert key.pem().splitlines()[1] not in "".join(env.values())
        trusted = settings_class(service.definition)(**{k.removeprefix(prefix).lower(): v for k, v in env.items()
                                                        if k.startswith(prefix)}).trusted_keys()  # fmt: skip
        assert [jwk["kid"] for jwk in trusted] == [key.kid] and all("d" not in jwk for jwk in trusted)


def test_no_service_container_or_image_is_given_a_private_key() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in [*ENDPOINTS]:
        container = compose["services"][name]
        env = container.get("environment") or {}
        text = "\n".join(f"{k}={v}" for k, v in env.items())
        assert PRIVATE_KEY_MARKERS.search(text) is None, name
        prefix = f"{name.upper()}_"
        assert f"{prefix}JWT_JWKS_URL" in env or f"{prefix}JWT_PUBLIC_KEYS" in env, name
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert PRIVATE_KEY_MARKERS.search(dockerfile) is None


@pytest.mark.parametrize("settings_class", SETTINGS[:-1], ids=lambda c: c.__name__)
def test_no_service_setting_can_hold_a_signing_key(settings_class: type) -> None:
    names = set(settings_class.model_fields)
    assert {n for n in names if re.search(r"jwt_secret|signing|private", n)} == set()
