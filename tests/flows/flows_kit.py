"""Drive the running system only through its public HTTP APIs and the mail catcher."""

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from outreach_dev.devstack._util import free_ports
from outreach_dev.testing import waiting
from outreach_shared.auth import Role
from outreach_shared.orgnr import with_check_digit
from outreach_shared.signing import AUDIENCES, SigningKey, mint_token

OSLO = ZoneInfo("Europe/Oslo")
SERVICES = ("booking", "ambassadors", "training", "notify")
LAUNCHED = ("portal", *SERVICES)
"""Every service the launcher starts: the portal too (it publishes the keys the others trust)."""
ORGANISER_EMAIL = "koordinator@jobbvinner.example.no"
LAUNCHER = [sys.executable, "-m", "outreach_dev.devstack.launcher", "--no-demo", "--ready-timeout=300"]


@dataclass
class Stack:
    """The services as processes, the mail catcher, and a way to act as anyone."""

    urls: dict[str, str]
    mail_url: str
    signing_key: SigningKey
    """The stack's development signing key (every service trusts its public half)."""
    state_dir: Path
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def token(self, role: Role, subject: str | None = None) -> str:
        """A token for every service, signed with the stack's development key."""
        return mint_token(self.signing_key, role, subject, audience=AUDIENCES)

    def auth(self, role: Role, subject: str | None = None) -> dict[str, str]:
        """An Authorization header."""
        return {"Authorization": f"Bearer {self.token(role, subject)}"}

    def client(self, service: str) -> httpx.AsyncClient:
        """A client for one service (created on first use)."""
        if service not in self.clients:
            self.clients[service] = httpx.AsyncClient(base_url=self.urls[service], timeout=30)
        return self.clients[service]

    async def mails_to(self, address: str) -> list[dict[str, Any]]:
        """Messages the catcher received for `address`, each in full (headers, text, parts)."""
        async with httpx.AsyncClient(base_url=self.mail_url, timeout=10) as mail:
            response = await mail.get("/api/messages", params={"to": address})
            response.raise_for_status()
            details = [await mail.get(f"/api/messages/{m['id']}") for m in response.json()["messages"]]
            return [d.json() for d in details]

    async def mail_part(self, message_id: str, index: int) -> bytes:
        """The raw content of one part of a caught message."""
        async with httpx.AsyncClient(base_url=self.mail_url, timeout=10) as mail:
            response = await mail.get(f"/api/messages/{message_id}/parts/{index}")
            response.raise_for_status()
            return response.content


WHENEVER = {
    "BOOKING_MIN_NOTICE_DAYS": "0", "BOOKING_WINDOW_MIN_MINUTES": "1", "BOOKING_SCHOOL_DAYS": "[1,2,3,4,5,6,7]",
    "BOOKING_SCHOOL_HOURS_START": "00:00", "BOOKING_SCHOOL_HOURS_END": "23:59:59.999999",
    "TRAINING_OPEN_HOURS_START": "00:00", "TRAINING_OPEN_HOURS_END": "23:59:59.999999",
}  # fmt: skip
"""The flow stack lets a visit or a gathering take place within seconds, whatever the hour (flows 5 and 6 see one
through to its end): no minimum notice, every day and hour school hours. The bounds themselves are the services'
and the kit's tests' to show."""
FEEDBACK_REMINDER_AFTER = 120
"""Seconds from a visit's completion to the feedback reminder in the flow stack (a week in production): longer
than a visit of the flows takes to end and be answered, so only a school that did not answer is reminded."""


ONE_CLIENT = {"PORTAL_SIGNIN_PER_CLIENT_PER_HOUR": "1000"}
"""Every browser of the flows signs in from 127.0.0.1, so within the hour the whole suite is one client to the
portal's per-client limit (30 sign-in requests an hour by default): the flow stack raises it, and keeps the
per-address limit (5 an hour), which each flow meets on its own. The limit itself is tested in the portal's suite."""


CLUSTER = os.environ.get("FLOWS_CLUSTER", "") == "1"
"""FLOWS_CLUSTER=1: the flows on production's shape: the session's Kafka a three-broker cluster (the flows' conftest
asks for it) and `outreach-up --cluster`, two instances of every service behind a round-robin balancer on its port."""


class LaunchedStack:
    """Runs `outreach-up` as a subprocess on free ports and stops it with Ctrl-C (SIGINT)."""

    def __init__(self, *, kafka_bootstrap: str, admin_dsn: str, state_dir: Path) -> None:
        ports = free_ports(len(LAUNCHED) + 2)
        self.ports = dict(zip(LAUNCHED, ports, strict=False))
        self.mail_http, self.mail_smtp = ports[-2], ports[-1]
        self.state_dir = state_dir
        self.env = os.environ | {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "DATABASE_URL": admin_dsn,
                                 "OUTREACH_STATE_DIR": str(state_dir), "NOTIFY_ORGANISER_EMAILS": ORGANISER_EMAIL,
                                 "BOOKING_FEEDBACK_REMINDER_AFTER": f"PT{FEEDBACK_REMINDER_AFTER}S", **WHENEVER,
                                 **ONE_CLIENT}
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self, timeout: float = 420) -> Stack:
        """Start and wait for the ready screen; raise with the launcher's output if it fails."""
        args = [f"--port-{name}={port}" for name, port in self.ports.items()]
        args += [f"--mail-http-port={self.mail_http}", f"--mail-smtp-port={self.mail_smtp}"]
        args += ["--cluster"] if CLUSTER else []
        self.process = subprocess.Popen([*LAUNCHER, *args], env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not any("outreach is up" in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the stack did not come up:\n" + "".join(self.output[-80:]))
            time.sleep(0.5)
        key = SigningKey.from_pem(json.loads((self.state_dir / "secrets.json").read_text())["signing_key"])
        urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        return Stack(urls=urls, mail_url=f"http://127.0.0.1:{self.mail_http}", signing_key=key,
                     state_dir=self.state_dir)

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self) -> None:
        """Ctrl-C, then wait for everything to stop."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()


eventually = partial(waiting.eventually, timeout=60.0, interval=0.3)
"""The one polling helper, with the patience a whole system behind HTTP needs."""


def unique_email(tag: str) -> str:
    """An address no other test uses."""
    return f"{tag}.{secrets.token_hex(4)}@example.no"


def unique_phone() -> str:
    """A valid Norwegian mobile number no other test uses."""
    return f"+479{secrets.randbelow(10_000_000):07d}"


def next_weekday_window(days_ahead: int = 10, hour: int = 10, hours: int = 2) -> dict[str, str]:
    """A window on a weekday at least `days_ahead` days from now, Oslo time."""
    day = datetime.now(OSLO).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def soon_window(*, start_in_seconds: int, minutes: int) -> dict[str, str]:
    """A window starting shortly (for a stack whose minimum notice is zero). A visit keeps to one day in Oslo, so a
    window that would cross midnight starts just after it instead (a little later, never earlier)."""
    start = datetime.now(OSLO).replace(microsecond=0) + timedelta(seconds=start_in_seconds)
    if (start + timedelta(minutes=minutes)).date() != start.date():
        start = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(), OSLO) + timedelta(minutes=1)
    return {"start": start.isoformat(), "end": (start + timedelta(minutes=minutes)).isoformat()}


def seconds_until(window: dict[str, str]) -> float:
    """How long until `window` starts: a wait for a soon window's visit to begin allows this much more (near
    midnight in Oslo, `soon_window` starts it just after midnight, minutes later than asked)."""
    return max(0.0, (datetime.fromisoformat(window["start"]) - datetime.now(UTC)).total_seconds())


def mod11_orgnr(prefix8: str) -> str:
    """A valid organisasjonsnummer from 8 digits (tries the next prefix when the check digit would be 10)."""
    number = int(prefix8)
    while (orgnr := with_check_digit(f"{number:08d}")) is None:
        number += 1
    return orgnr


def random_orgnr() -> str:
    """A valid, random organisasjonsnummer starting with 9."""
    return mod11_orgnr(f"9{secrets.randbelow(10_000_000):07d}")


def now_utc() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


# ------------------------------------------------------------------ acting through the public APIs


def member_body(*, name: str, profession: str, kommunenummer: str, languages: tuple[str, ...] = ("nb",),
                **extra: Any) -> dict[str, Any]:
    """A new member for the roster, free every weekday, with an address and number of their own."""
    return {"name": name, "profession": profession, "kommunenummer": kommunenummer,
            "email": unique_email(name.split()[0].lower()), "phone": unique_phone(),
            "languages": list(languages), "weekdays": [1, 2, 3, 4, 5, 6, 7], **extra}


async def register_member(stack: Stack, *, name: str, profession: str, kommunenummer: str,
                          languages: tuple[str, ...] = ("nb",), **extra: Any) -> dict[str, Any]:
    """An organiser registers a member on the roster; returns the member with its id and e-mail."""
    body = member_body(name=name, profession=profession, kommunenummer=kommunenummer, languages=languages, **extra)
    response = await stack.client("ambassadors").post("/v1/members", json=body, headers=stack.auth("organiser"))
    assert response.status_code == 201, response.text
    return response.json()


async def book_visit(stack: Stack, orgnr: str, *, kommunenummer: str, professions: list[str], team_size: int = 2,
                     language: str = "nb", windows: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A school books a visit; returns its id, status and the contact's address."""
    contact_email = unique_email("kontakt")
    body = {
        "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}", "kommunenummer": kommunenummer,
                   "address": "Skoleveien 1"},
        "contact": {"name": "Rådgiver Rita", "email": contact_email, "phone": unique_phone()},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": professions,
        "language": language,
        "windows": windows or [next_weekday_window()],
        "team_size": team_size,
    }
    headers = stack.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)}
    response = await stack.client("booking").post("/v1/visit-requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json() | {"contact_email": contact_email}


async def offers_of(stack: Stack, member_id: str, visit_id: str) -> list[dict[str, Any]]:
    """The member's offers for one visit."""
    response = await stack.client("ambassadors").get("/v1/me/offers", headers=stack.auth("member", member_id))
    assert response.status_code == 200, response.text
    return [o for o in response.json() if o["visit_id"] == visit_id]


async def open_offer(stack: Stack, member_id: str, visit_id: str) -> dict[str, Any] | None:
    """The member's open offer for the visit, if any."""
    return next((o for o in await offers_of(stack, member_id, visit_id) if o["status"] == "offered"), None)


async def answer(stack: Stack, member_id: str, offer_id: str, verb: str) -> dict[str, Any]:
    """Accept or decline an offer as the member."""
    response = await stack.client("ambassadors").post(f"/v1/offers/{offer_id}/{verb}",
                                                      headers=stack.auth("member", member_id))
    assert response.status_code == 200, response.text
    return response.json()


async def visit(stack: Stack, visit_id: str, orgnr: str) -> dict[str, Any]:
    """The visit as its school sees it."""
    response = await stack.client("booking").get(f"/v1/visit-requests/{visit_id}", headers=stack.auth("school", orgnr))
    assert response.status_code == 200, response.text
    return response.json()


async def visit_in_status(stack: Stack, visit_id: str, orgnr: str, status: str, timeout: float = 60) -> dict[str, Any]:
    """Wait until the visit reaches `status`."""
    async def check() -> dict[str, Any]:
        current = await visit(stack, visit_id, orgnr)
        assert current["status"] == status, f"visit is {current['status']}, waiting for {status}"
        return current

    return await eventually(check, timeout=timeout)


async def inbox(stack: Stack, member_id: str) -> list[dict[str, Any]]:
    """The member's in-app notifications, newest first."""
    response = await stack.client("notify").get("/v1/me/notifications", headers=stack.auth("member", member_id))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def inbox_has(stack: Stack, member_id: str, notice_type: str) -> dict[str, Any]:
    """Wait for a notice of that type in the member's inbox."""
    async def check() -> dict[str, Any] | None:
        return next((n for n in await inbox(stack, member_id) if n["notice_type"] == notice_type), None)

    return await eventually(check)


async def mail_with_calendar(stack: Stack, address: str) -> dict[str, Any]:
    """Wait for a mail to `address` that carries a calendar invitation."""
    async def check() -> dict[str, Any] | None:
        for message in await stack.mails_to(address):
            if any(p["content_type"] == "text/calendar" for p in message["parts"]):
                return message
        return None

    return await eventually(check)


async def mailed_calendars(stack: Stack, address: str) -> list[tuple[str, str, int]]:
    """(METHOD, UID, SEQUENCE) of every calendar part mailed to `address`, oldest first."""
    from icalendar import Calendar

    found = []
    for message in sorted(await stack.mails_to(address), key=lambda m: m.get("received_at", "")):
        for part in message["parts"]:
            if part["content_type"] == "text/calendar":
                cal = Calendar.from_ical(await stack.mail_part(message["id"], part["index"]))
                (event,) = cal.events
                found.append((str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])))
    return found


async def reminders_of(stack: Stack, visit_id: str) -> list[dict[str, Any]]:
    """The reminders notify has set for a visit."""
    response = await stack.client("notify").get("/v1/reminders", params={"visit_id": visit_id},
                                                headers=stack.auth("organiser"))
    assert response.status_code == 200, response.text
    return list(response.json())
