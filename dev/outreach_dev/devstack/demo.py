"""Demo data for `make up`: a roster, schools, a published gathering and visits in different states.

The launcher calls `seed(urls, tokens, key)` (with the development signing key) once every service is ready, unless
`--no-demo`. Everything goes through the services' public APIs, as an organiser, schools and members would. It is
idempotent: the roster import matches members by e-mail, and visits and the gathering are only created when the demo
school or the gathering does not have them yet.
"""

from __future__ import annotations

import csv
import io
import random
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from outreach_dev.testing.windows import school_day
from outreach_shared.auth import Role
from outreach_shared.signing import AUDIENCES, SigningKey, mint_token

from .processes import say

OSLO = ZoneInfo("Europe/Oslo")
DEMO_ORGNR = "974760673"
DEMO_MEMBER_ID = "3f9c2a8e-5b1d-4c7e-9a2f-0d6b8e1c4a75"
DEMO_TOKEN_TTL = timedelta(hours=12)
"""How long the tokens on `make up`'s screen work: a working day, development only."""
GATHERING_TITLE = "Jobbvinner-samling for ambassadører og rekrutteringspatruljer"

# The places the seed articles tell of (Orkdal is part of Orkland since 2020).
PLACES = {
    "5001": "Trondheim",
    "4601": "Bergen",
    "3107": "Fredrikstad",
    "3105": "Sarpsborg",
    "3203": "Asker",
    "4204": "Kristiansand",
    "4203": "Arendal",
    "3421": "Trysil",
    "5007": "Namsos",
    "5059": "Orkland",
}
FIRST = [
    "Ingrid",
    "Kari",
    "Nora",
    "Emma",
    "Sara",
    "Ida",
    "Maja",
    "Ola",
    "Jonas",
    "Emil",
    "Amir",
    "Fatima",
    "Sondre",
    "Tuva",
    "Henrik",
    "Leah",
    "Mohammed",
    "Aksel",
    "Selma",
    "Tiril",
]
LAST = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Berg",
    "Haugen",
    "Hagen",
    "Eriksen",
    "Bakken",
]
SCHOOLS = [  # (orgnr, name, kommunenummer): valid organisasjonsnumre, invented schools
    ("974760673", "Heimdal videregående skole", "5001"),
    ("974760681", "Byåsen ungdomsskole", "5001"),
    ("974760703", "Årstad videregående skole", "4601"),
    ("974760711", "Fyllingsdalen skole", "4601"),
    ("974760746", "Glemmen videregående skole", "3107"),
    ("974760754", "Sarpsborg ungdomsskole", "3105"),
    ("974760762", "Asker videregående skole", "3203"),
    ("974760789", "Kvadraturen skolesenter", "4204"),
    ("974760797", "Arendal videregående skole", "4203"),
    ("974760800", "Trysil ungdomsskole", "3421"),
    ("974760738", "Olav Duun videregående skole", "5007"),
    ("974760770", "Orkdal vidaregåande skule", "5059"),
]


@dataclass
class Demo:
    """The services' clients and the development signing key, to act as anyone."""

    urls: dict[str, str]
    key: SigningKey

    def auth(self, role: Role, subject: str | None = None) -> dict[str, str]:
        """A bearer header for the role (a 15-minute token for every service)."""
        return {"Authorization": f"Bearer {mint_token(self.key, role, subject, audience=AUDIENCES)}"}

    def call(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; raises on a 5xx."""
        response = httpx.request(method, self.urls[service] + path, timeout=30, **kwargs)
        if response.status_code >= 500:
            raise RuntimeError(f"{service} {method} {path}: {response.status_code} {response.text[:300]}")
        return response


def roster_csv(count: int = 60) -> str:
    """About 60 members of both professions in the demo places (deterministic)."""
    rng = random.Random(2026)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["navn", "yrke", "kommunenummer", "e-post", "mobil", "språk", "arbeidsgiver"])
    places = list(PLACES)
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        place = places[i % len(places)]
        profession = "sykepleier" if (i // len(places)) % 2 == 0 else "helsefagarbeider"  # both in every place
        if place == "3421":
            profession = "sykepleier"  # Trysil has nurses only: the demo's unfulfilled request asks for more
        languages = "nb, en" if i % 5 == 0 else ("nn" if place in ("4601", "5059") and i % 3 == 0 else "nb")
        email = f"{first}.{last}.{i}@demo.jobbvinner.example".lower()
        writer.writerow(
            [f"{first} {last}", profession, place, email, f"+4791{i:06d}", languages, f"{PLACES[place]} kommune"]
        )
    return out.getvalue()


def _window(days: int, hour: int = 10) -> dict[str, str]:
    day = datetime.now(OSLO).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}


def _visit_body(orgnr: str, name: str, kommunenummer: str, professions: list[str], days: int) -> dict[str, Any]:
    return {
        "school": {"orgnr": orgnr, "name": name, "kommunenummer": kommunenummer, "address": "Skolegata 1"},
        "contact": {
            "name": "Rådgiver Rita Rådgiver",
            "email": f"radgiver.{orgnr}@skole.example",
            "phone": "+4790000000",
        },
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 75},
        "professions": professions,
        "language": "nb",
        "windows": [_window(days), _window(days + 2)],
        "team_size": 2,
    }


def seed_roster(demo: Demo) -> int:
    """Import the demo roster (created or updated by e-mail); returns how many members it holds."""
    response = demo.call(
        "ambassadors",
        "POST",
        "/v1/members/import",
        content=roster_csv().encode(),
        headers=demo.auth("organiser") | {"Content-Type": "text/csv"},
    )
    if response.status_code != 200:
        raise RuntimeError(f"roster import refused: {response.status_code} {response.text[:500]}")
    body = response.json()
    return len(body["created"]) + len(body["updated"]) + len(body["unchanged"])


def seed_gathering(demo: Demo) -> str:
    """One published national gathering, registration open; created only once."""
    listed = demo.call("training", "GET", "/v1/gatherings", headers=demo.auth("organiser")).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    existing = next((g for g in items if g["title"] == GATHERING_TITLE), None)
    if existing:
        return str(existing["id"])
    start = datetime.now(OSLO).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=90)
    body = {
        "title": GATHERING_TITLE,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=30)).isoformat(),
        "venue": {"name": "Clarion Hotel Trondheim", "address": "Brattørkaia 1", "kommunenummer": "5001"},
        "region": [],
        "audience": ["nurse", "health_worker"],
        "capacity": 40,
        "registration_opens": datetime.now(OSLO).isoformat(),
        "registration_closes": (start - timedelta(days=21)).isoformat(),
        "withdrawal_deadline": (start - timedelta(days=14)).isoformat(),
        "sessions": [
            {
                "title": "Presentasjonsteknikk",
                "kind": "presentation_technique",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
            },
            {
                "title": "Fortell din historie",
                "kind": "storytelling",
                "starts_at": (start + timedelta(hours=3)).isoformat(),
                "ends_at": (start + timedelta(hours=5)).isoformat(),
            },
            {
                "title": "Erfaringsutveksling",
                "kind": "experience_exchange",
                "starts_at": (start + timedelta(hours=24)).isoformat(),
                "ends_at": (start + timedelta(hours=27)).isoformat(),
            },
        ],
    }
    created = demo.call("training", "POST", "/v1/gatherings", json=body, headers=demo.auth("organiser"))
    if created.status_code != 201:
        raise RuntimeError(f"gathering refused: {created.status_code} {created.text[:500]}")
    gathering_id = str(created.json()["id"])
    demo.call("training", "POST", f"/v1/gatherings/{gathering_id}/publish", headers=demo.auth("organiser"))
    return gathering_id


def _book(demo: Demo, school: tuple[str, str, str], professions: list[str], days: int, key: str) -> str:
    orgnr, name, kommunenummer = school
    headers = demo.auth("school", orgnr) | {"Idempotency-Key": key}
    response = demo.call(
        "booking",
        "POST",
        "/v1/visit-requests",
        json=_visit_body(orgnr, name, kommunenummer, professions, days),
        headers=headers,
    )
    if response.status_code not in (200, 201):
        raise RuntimeError(f"booking refused: {response.status_code} {response.text[:500]}")
    return str(response.json()["id"])


def _offers_for(demo: Demo, member_ids: list[str], visit_id: str, wait: float = 20.0) -> list[tuple[str, str]]:
    """(member id, offer id) of the open offers for a visit, waiting a little for matching to run."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for member_id in member_ids:
            offers = demo.call("ambassadors", "GET", "/v1/me/offers", headers=demo.auth("member", member_id)).json()
            found += [(member_id, o["id"]) for o in offers if o["visit_id"] == visit_id and o["status"] == "offered"]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(1)


def seed_visits(demo: Demo) -> dict[str, str]:
    """Visits in different states, once: confirmed, offered, unfulfilled and cancelled."""
    first_school = SCHOOLS[0]
    mine = demo.call("booking", "GET", "/v1/visit-requests", headers=demo.auth("school", first_school[0]))
    if mine.status_code != 200:
        raise RuntimeError(f"cannot list the demo school's visits: {mine.status_code} {mine.text[:300]}")
    if mine.json()["total"] > 0:
        return {}
    members = demo.call(
        "ambassadors", "GET", "/v1/members", params={"limit": 1000}, headers=demo.auth("organiser")
    ).json()
    by_place = {k: [m["id"] for m in members if m["kommunenummer"] == k] for k in PLACES}
    confirmed = _book(demo, SCHOOLS[0], ["nurse", "health_worker"], 21, "demo-confirmed")
    for member_id, offer_id in _offers_for(demo, by_place["5001"], confirmed):
        demo.call("ambassadors", "POST", f"/v1/offers/{offer_id}/accept", headers=demo.auth("member", member_id))
    offered = _book(demo, SCHOOLS[2], ["nurse"], 28, "demo-offered")
    open_offers = _offers_for(demo, by_place["4601"], offered)
    _book(demo, SCHOOLS[9], ["health_worker"], 14, "demo-unfulfilled")
    cancelled = _book(demo, SCHOOLS[6], ["nurse"], 35, "demo-cancelled")
    demo.call(
        "booking",
        "POST",
        f"/v1/visit-requests/{cancelled}/cancel",
        json={"reason": "Planleggingsdag"},
        headers=demo.auth("school", SCHOOLS[6][0]),
    )
    return {"created": "yes"} | ({"member_with_offer": open_offers[0][0]} if open_offers else {})


def seed(urls: dict[str, str], tokens: dict[str, str], key: SigningKey) -> dict[str, Any]:
    """Seed everything; return the summary the launcher prints, with tokens for a real school and member."""
    demo = Demo(urls=urls, key=key)
    members = seed_roster(demo)
    gathering = seed_gathering(demo)
    visits = seed_visits(demo)
    summary: dict[str, Any] = {
        "members": f"{members} in {', '.join(PLACES.values())}",
        "schools": f"{len(SCHOOLS)} (orgnr {SCHOOLS[0][0]} … {SCHOOLS[-1][0]}); tokens: outreach token school ORGNR",
        "gathering": f"{GATHERING_TITLE} ({gathering}), registration open",
        "visits": "confirmed, offered, unfulfilled and cancelled requests" if visits else "kept from an earlier run",
    }
    new_tokens = {"school": mint_token(key, "school", SCHOOLS[0][0], ttl=DEMO_TOKEN_TTL)}
    summary["accounts"] = {"school": SCHOOLS[0][0]}
    if visits.get("member_with_offer"):
        summary["accounts"]["member"] = visits["member_with_offer"]
        new_tokens["member"] = mint_token(key, "member", visits["member_with_offer"], ttl=DEMO_TOKEN_TTL)
        summary["member"] = f"{visits['member_with_offer']} has an open offer: GET /v1/me/offers on ambassadors"
    summary["tokens"] = new_tokens
    return summary


def run_demo(urls: dict[str, str], tokens: dict[str, str], key: SigningKey, log_path: Path) -> dict[str, Any]:
    """Seed the demo once every service is ready; a failure is reported (its traceback in `log_path`) only."""
    try:
        say("seeding the demo…")
        return dict(seed(urls, tokens, key) or {})
    except Exception:
        with log_path.open("a") as log:
            log.write(f"\n=== {datetime.now().isoformat(timespec='seconds')} demo seeding failed\n")
            log.write(traceback.format_exc())
        say(f"demo seeding failed (the services keep running); see {log_path}")
        return {}


def mint_demo_tokens(key: SigningKey) -> dict[str, str]:
    """Tokens for an organiser, the demo school and a demo member, for every service, signed with the development
    key (they outlive the 15 minutes of the portal's own tokens: for copying from the screen while developing)."""
    return {
        "organiser": mint_token(key, "organiser", ttl=DEMO_TOKEN_TTL),
        "school": mint_token(key, "school", DEMO_ORGNR, ttl=DEMO_TOKEN_TTL),
        "member": mint_token(key, "member", DEMO_MEMBER_ID, ttl=DEMO_TOKEN_TTL),
    }


def booking_body(now: datetime | None = None) -> dict[str, Any]:
    """A valid visit request for the demo school, on two school days two to three weeks ahead, 09:00–11:00
    Europe/Oslo (the hours a school visit keeps)."""
    first = school_day((now or datetime.now(OSLO)).astimezone(OSLO).date(), days=14)
    windows = [
        {
            "start": datetime.combine(day, dtime(9), OSLO).isoformat(),
            "end": datetime.combine(day, dtime(11), OSLO).isoformat(),
        }
        for day in (first, school_day(first, days=2))
    ]
    return {
        "school": {
            "orgnr": DEMO_ORGNR,
            "name": "Demo ungdomsskole",
            "kommunenummer": "5001",
            "address": "Skolegata 1, 7011 Trondheim",
        },
        "contact": {"name": "Kari Nordmann", "email": "kari.nordmann@example.no", "phone": "+4791234567"},
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 60},
        "professions": ["nurse", "health_worker"],
        "language": "nb",
        "windows": windows,
        "team_size": 2,
    }


def demo_signin_links(portal_url: str, organiser_token: str, accounts: dict[str, str] | None = None) -> dict[str, str]:
    """One-click, single-use sign-in links (15 minutes) for the demo organiser, a demo school's contact and a demo
    member (the seeded ones in `accounts`: a school with visits, a member with an open offer), from the portal's
    support endpoint; what could not be made says why instead."""
    school = (accounts or {}).get("school", DEMO_ORGNR)
    member = (accounts or {}).get("member", DEMO_MEMBER_ID)
    wanted = {
        "organiser": {"role": "organiser"},
        f"school {school}": {"role": "school", "subject": school},
        "member": {"role": "member", "subject": member},
    }
    links: dict[str, str] = {}
    for name, body in wanted.items():
        try:
            response = httpx.post(f"{portal_url}/v1/signin-links", json=body, timeout=30,
                                  headers={"Authorization": f"Bearer {organiser_token}"})  # fmt: skip
            response.raise_for_status()
            links[name] = str(response.json()["url"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            links[name] = f"(no link: {exc.__class__.__name__}; `outreach signin-link` makes one)"
    return links
