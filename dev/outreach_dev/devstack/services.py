"""The installed services (entry points `outreach.services`): how each is found, configured and started."""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import typing
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ._util import LOCALHOST

if typing.TYPE_CHECKING:
    from outreach_shared.runtime import ServiceDefinition
    from outreach_shared.settings import ServiceSettings

SERVICE_GROUP = "outreach.services"
DEFAULT_PORTS = {"portal": 8000, "booking": 8001, "ambassadors": 8002, "training": 8003, "notify": 8004}
"""The services in the order they start and are listed: the portal first (it publishes the keys the others trust)."""


@dataclass
class InstalledService:
    """A service found through the `outreach.services` entry points; `error` if it does not import."""

    name: str
    entry_point: EntryPoint
    definition: ServiceDefinition | None = None
    error: str | None = None


def discover_services() -> list[InstalledService]:
    """Every installed service, in the default port order; import failures are kept, not raised."""
    found = []
    for ep in entry_points(group=SERVICE_GROUP):
        service = InstalledService(ep.name, ep)
        try:
            service.definition = ep.load()
        except Exception as exc:  # a half-written service must not stop the others
            service.error = f"{type(exc).__name__}: {exc}"
        found.append(service)
    order = list(DEFAULT_PORTS)
    return sorted(found, key=lambda s: (order.index(s.name) if s.name in order else len(order), s.name))


def settings_class(definition: ServiceDefinition) -> type[ServiceSettings]:
    """The settings class behind `definition.settings_factory` (its return annotation, else an instance's)."""
    factory = definition.settings_factory
    target = getattr(factory, "__wrapped__", factory)
    with contextlib.suppress(Exception):
        hint = typing.get_type_hints(target).get("return")
        if isinstance(hint, type):
            return hint
    return type(factory())


def env_prefix(cls: type[ServiceSettings], name: str) -> str:
    """The env prefix of a settings class, e.g. "BOOKING_"."""
    return str(cls.model_config.get("env_prefix") or f"{name.upper()}_")


def service_env(
    service: InstalledService,
    *,
    dsn: str,
    bootstrap: str,
    jwt_public_keys: str,
    jwks_url: str,
    port: int,
    state: Path,
    smtp_port: int,
    peers: dict[str, str] | None = None,
    public_port: int | None = None,
) -> dict[str, str]:
    """The environment of a service's process: its prefixed settings (only fields its class has). It trusts the
    public keys `jwt_public_keys` (a JWKS) and those published at `jwks_url`; it holds no private key. `peers` are
    the other services' base URLs by name: a service with a `<name>_url` setting is told where that one listens,
    and notify's links (`app_base_url`) lead to the portal. An instance behind a balancer listens on `port` and is
    reached at `public_port`."""
    assert service.definition is not None
    cls = settings_class(service.definition)
    prefix = env_prefix(cls, service.name)
    wanted = {
        "database_url": dsn,
        "kafka_bootstrap_servers": bootstrap,
        "jwt_public_keys": jwt_public_keys,
        "jwt_jwks_url": jwks_url,
        "http_host": LOCALHOST,
        "http_port": str(port),
        "public_url": f"http://{LOCALHOST}:{public_port or port}",
        "environment": "development",
        "log_json": "true",
        "smtp_host": LOCALHOST,
        "smtp_port": str(smtp_port),
        "sms_provider": "file",
        "sms_file": str(state / "sms.jsonl"),
        **{f"{name}_url": url for name, url in (peers or {}).items() if name != service.name},
    }
    if peers and "portal" in peers:
        wanted["app_base_url"] = peers["portal"]
    required = {"database_url", "kafka_bootstrap_servers", "jwt_public_keys", "jwt_jwks_url", "http_port"}
    fields = set(cls.model_fields)
    env = {f"{prefix}{k.upper()}": v for k, v in wanted.items() if k in fields or k in required}
    return env | {"OUTREACH_STATE_DIR": str(state), "PYTHONUNBUFFERED": "1"}


def service_command(service: InstalledService) -> list[str]:
    """`python -m <package>` when the package has a __main__, else serve its definition directly."""
    package = service.entry_point.module.split(".")[0]
    with contextlib.suppress(ImportError, ValueError):
        if importlib.util.find_spec(f"{package}.__main__") is not None:
            return [sys.executable, "-m", package]
    ep = service.entry_point
    code = f"from outreach_shared.runtime import serve; from {ep.module} import {ep.attr} as s; serve(s)"
    return [sys.executable, "-c", code]
