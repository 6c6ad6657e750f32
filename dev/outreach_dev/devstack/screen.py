"""The one screen `make up` prints once everything is ready."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._util import LOCALHOST
from .demo import DEMO_ORGNR, booking_body
from .infrastructure import Infrastructure, mask_dsn
from .processes import Child
from .services import InstalledService


@dataclass
class Screen:
    """What the final screen shows."""

    state: Path
    services: list[InstalledService]
    children: dict[str, Child]
    infra: Infrastructure
    mail: Child
    smtp_port: int
    asyncapi: dict[str, Path]
    tokens: dict[str, str]
    demo: dict[str, Any]
    signin_links: dict[str, str] = field(default_factory=dict)
    """One-click sign-in links (single use, 15 minutes): `outreach signin-link ...` makes more."""


def render_screen(s: Screen) -> str:
    """The one screen printed once everything is ready."""
    bar = "─" * 100
    lines = [bar, f" outreach is up · state {s.state} · logs {s.state / 'logs'}", ""]
    if (portal := s.children.get("portal")) is not None:
        lines += [f" portal         {portal.url}  (sign in here)"]
        lines += [f"   sign in as {name:<21} {url}" for name, url in s.signin_links.items()]
        if s.signin_links:
            lines.append("   (each link works once, for 15 minutes; `outreach signin-link member ID` makes another)")
        lines.append("")
    lines.append(" services")
    for service in s.services:
        child = s.children.get(service.name)
        if child is not None:
            lines.append(f"   {service.name:<12} {child.url:<24} docs {child.url}/docs")
        else:
            lines.append(f"   {service.name:<12} NOT STARTED: {service.error}")
    lines += _asyncapi_lines(s)
    lines += [
        f" mail catcher   {s.mail.url}  (API {s.mail.url}/api/messages · SMTP {LOCALHOST}:{s.smtp_port})",
        f" SMS            {s.state / 'sms.jsonl'}",
        f" kafka          {s.infra.kafka_bootstrap} ({s.infra.kafka_source})",
        f" postgres       {mask_dsn(s.infra.admin_dsn)} ({s.infra.postgres_source})",
        f" CLI            set -a; . {s.state / 'cli.env'}; set +a; outreach --help",
        "",
        " tokens",
        f"   organiser               {s.tokens['organiser']}",
        f"   school {DEMO_ORGNR:<16} {s.tokens['school']}",
        f"   member                  {s.tokens['member']}",
    ]
    lines += _demo_and_curl_lines(s)
    return "\n".join([*lines, bar])


def _asyncapi_lines(s: Screen) -> list[str]:
    lines = [" events (AsyncAPI, generated at start by FastStream; open in a browser)"]
    for name, page in s.asyncapi.items():
        lines.append(f"   {name:<12} file://{page}  (JSON: {page.with_suffix('.json').name})")
    if not s.asyncapi:
        lines.append("   none generated: `make docs` writes the catalogue")
    return lines


def _demo_and_curl_lines(s: Screen) -> list[str]:
    lines = [f"   {key}: {value}" for key, value in s.demo.items() if key not in ("tokens", "accounts")]
    lines = ["", " demo", *lines] if lines else []
    booking = s.children.get("booking")
    if booking is not None:
        lines += ["", " book a visit as the school (the same Idempotency-Key again returns the same answer):"]
        lines += ["   " + line for line in booking_curl(booking.url, s.tokens["school"]).splitlines()]
    return [*lines, "", " Ctrl-C stops everything."]


def booking_curl(booking_url: str, school_token: str) -> str:
    """A copy-paste curl that books a visit as the demo school."""
    body = json.dumps(booking_body(), ensure_ascii=False)
    return (
        f"curl -sS -X POST {booking_url}/v1/visit-requests \\\n"
        f"    -H 'Authorization: Bearer {school_token}' \\\n"
        f"    -H 'Idempotency-Key: {uuid.uuid4()}' -H 'Content-Type: application/json' \\\n"
        f"    -d '{body}'"
    )
