"""Secrets come only from settings (typed as secrets); bearer tokens are checked on every service: expired, forged,
unsigned (`alg: none`), re-algorithmed and foreign-issued tokens are refused where a proper one is accepted."""

import ast
import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from pydantic import SecretStr
from sec_system import System

from ambassadors.settings import AmbassadorsSettings
from booking.settings import BookingSettings
from notify.settings import NotifySettings
from outreach_shared.cli.settings import CliSettings
from outreach_shared.settings import DEV_JWT_SECRET, ServiceSettings
from training.settings import TrainingSettings

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("services/*/src/**/*.py"), *(ROOT / "shared" / "outreach_shared").rglob("*.py")]
DEV_TOOLS = ROOT / "shared" / "outreach_shared" / "devstack"
DEV_TOOL_VARIABLES = {
    "OUTREACH_PG_BINDIR", "OUTREACH_CACHE_DIR", "KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "OUTREACH_STATE_DIR",
    "OUTREACH_INFRA",
}  # fmt: skip
SECRET_FIELD = re.compile(r"(secret|password|token|database_url)$")
SETTINGS = [BookingSettings, AmbassadorsSettings, TrainingSettings, NotifySettings, CliSettings]
# One real endpoint per service, the role it serves, and a subject for that role.
ENDPOINTS = {
    "booking": ("/v1/visit-requests", "organiser", None),
    "ambassadors": ("/v1/members", "organiser", None),
    "training": ("/v1/gatherings", "organiser", None),
    "notify": ("/v1/me/notifications", "member", "0b5e7f0c-2f1a-4a4e-9d56-5a1d2b3c4d5e"),
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


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValueError, match="placeholder"):
        ServiceSettings(environment="production", jwt_secret=SecretStr(DEV_JWT_SECRET))
    with pytest.raises(ValueError, match="at least 32"):
        ServiceSettings(environment="production", jwt_secret=SecretStr("short-but-not-a-placeholder"))


def _claims(role: str, subject: str | None, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"iss": "outreach", "sub": subject or "organiser", "role": role, "iat": now,
                              "exp": now + timedelta(minutes=5), "jti": "t"}  # fmt: skip
    if role == "member":
        claims["member_id"] = subject
    return {k: v for k, v in (claims | changes).items() if v is not None}


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, default=lambda d: int(d.timestamp())).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("service", list(ENDPOINTS))
# The HS512 forgery signs with our (HS256-sized) key on purpose; PyJWT warns that the key is short for HS512.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_each_service_refuses_expired_forged_unsigned_and_foreign_tokens(system: System, service: str) -> None:
    path, role, subject = ENDPOINTS[service]
    key = DEV_JWT_SECRET  # what the running services verify with
    now = datetime.now(UTC)
    tokens = {
        "proper": jwt.encode(_claims(role, subject), key, algorithm="HS256"),
        "expired": jwt.encode(_claims(role, subject, iat=now - timedelta(hours=2), exp=now - timedelta(seconds=1)),
                              key, algorithm="HS256"),
        "wrong key": jwt.encode(_claims(role, subject), "another-key-entirely-0123456789abcdef", algorithm="HS256"),
        "alg none": _unsigned(_claims(role, subject)),
        "HS512": jwt.encode(_claims(role, subject), key, algorithm="HS512"),
        "no expiry": jwt.encode(_claims(role, subject, exp=None), key, algorithm="HS256"),
        "other issuer": jwt.encode(_claims(role, subject, iss="someone-else"), key, algorithm="HS256"),
        "unknown role": jwt.encode(_claims("admin", subject), key, algorithm="HS256"),
        "tampered": _tamper(jwt.encode(_claims(role, subject), key, algorithm="HS256")),
    }  # fmt: skip
    answers = {}
    for name, token in tokens.items():
        response = await system.client(service).get(path, headers={"Authorization": f"Bearer {token}"})
        answers[name] = response.status_code
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"] == "Bearer"
            if name == "expired":
                assert response.json()["detail"] == "the token has expired"
    assert answers == {"proper": 200} | dict.fromkeys(list(tokens)[1:], 401)


def _tamper(token: str) -> str:
    """The same signature over claims that now say organiser."""
    header, claims, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(decoded | {"role": "organiser"}).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"
