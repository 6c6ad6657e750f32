"""Request bodies with unique personal data, and short-hands that act through the services' HTTP APIs."""

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sec_system import System

from outreach_dev.testing.waiting import eventually
from outreach_dev.testing.windows import school_day_start
from outreach_shared.orgnr import with_check_digit

OSLO = ZoneInfo("Europe/Oslo")
KOMMUNE = "1804"  # Bodø: no other suite keeps members or schools there


def random_orgnr() -> str:
    """A valid organisasjonsnummer (mod 11) starting with 8, unique enough per test."""
    while (orgnr := with_check_digit(f"8{secrets.randbelow(10_000_000):07d}")) is None:
        pass
    return orgnr


def unique_email(tag: str) -> str:
    """An address no other test uses."""
    return f"{tag}.{secrets.token_hex(5)}@sikkerhet.example.no"


def unique_phone() -> str:
    """A valid Norwegian mobile number (E.164) no other test uses."""
    return f"+479{secrets.randbelow(10_000_000):07d}"


def weekday_window(days_ahead: int = 14, hour: int = 10) -> dict[str, str]:
    """A two-hour window on a weekday `days_ahead` days from now, Oslo time."""
    day = datetime.now(OSLO).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}


def visit_body(
    orgnr: str, *, contact: dict[str, str] | None = None, days_ahead: int = 14, kommunenummer: str = KOMMUNE
) -> dict[str, Any]:
    """A valid visit request of the school, with a unique contact unless one is given."""
    return {
        "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}", "kommunenummer": kommunenummer,
                   "address": "Skolevei 1"},
        "contact": contact or new_contact(),
        "kind": "school_visit",
        "audience": {"description": "10. trinn", "pupils": 40},
        "professions": ["nurse"],
        "windows": [weekday_window(days_ahead)],
        "team_size": 1,
    }


def new_contact() -> dict[str, str]:
    """A school contact person with a unique name, e-mail and phone."""
    surname = f"Kontakt{secrets.token_hex(3)}"
    return {"name": f"Rita {surname}", "email": unique_email("rita"), "phone": unique_phone()}


def member_body(**changes: Any) -> dict[str, Any]:
    """A nurse in Bodø with a unique name, e-mail and phone, available every day."""
    surname = f"Medlem{secrets.token_hex(3)}"
    body = {"name": f"Siri {surname}", "profession": "nurse", "kommunenummer": KOMMUNE,
            "email": unique_email("siri"), "phone": unique_phone(), "languages": ["nb"],
            "weekdays": [1, 2, 3, 4, 5, 6, 7], "max_visits_per_month": 31}  # fmt: skip
    return body | changes


async def book(system: System, orgnr: str, **options: Any) -> dict[str, Any]:
    """The school asks for a visit; returns {id, status, contact}."""
    body = visit_body(orgnr, **options)
    headers = system.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)}
    response = await system.client("booking").post("/v1/visit-requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json() | {"contact": body["contact"]}


async def register_member(system: System, **changes: Any) -> dict[str, Any]:
    """An organiser puts a member on the roster; returns the member (with id, email, phone)."""
    response = await system.client("ambassadors").post(
        "/v1/members", json=member_body(**changes), headers=system.auth("organiser")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def offers_of(system: System, member_id: str) -> list[dict[str, Any]]:
    """The member's offers."""
    response = await system.client("ambassadors").get("/v1/me/offers", headers=system.auth("member", member_id))
    assert response.status_code == 200, response.text
    return list(response.json())


async def offer_for(system: System, member_id: str, visit_id: str) -> dict[str, Any]:
    """Wait for the member's offer on the visit."""

    async def check() -> dict[str, Any] | None:
        return next((o for o in await offers_of(system, member_id) if o["visit_id"] == visit_id), None)

    return await eventually(check, timeout=30)


async def inbox(system: System, member_id: str) -> list[dict[str, Any]]:
    """The member's in-app notices."""
    response = await system.client("notify").get("/v1/me/notifications", headers=system.auth("member", member_id))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def gathering_body(*, days_ahead: int = 30) -> dict[str, Any]:
    """A national gathering for nurses whose registration is open now."""
    now = datetime.now(OSLO).replace(microsecond=0)
    starts = school_day_start(days_ahead)  # 10:00 Oslo time: a gathering keeps the day's hours
    return {
        "title": "Årssamling (sikkerhetstest)",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "venue": {"name": "Bodø kulturhus", "address": "Storgata 1", "kommunenummer": KOMMUNE},
        "region": [], "audience": ["nurse"], "capacity": 50,
        "registration_opens": (now - timedelta(days=1)).isoformat(),
        "registration_closes": (starts - timedelta(days=2)).isoformat(),
        "withdrawal_deadline": (starts - timedelta(days=3)).isoformat(),
    }  # fmt: skip


async def published_gathering(system: System) -> str:
    """An organiser creates and publishes a gathering; returns its id."""
    training, organiser = system.client("training"), system.auth("organiser")
    created = await training.post("/v1/gatherings", json=gathering_body(), headers=organiser)
    assert created.status_code == 201, created.text
    gathering_id = str(created.json()["id"])
    published = await training.post(f"/v1/gatherings/{gathering_id}/publish", headers=organiser)
    assert published.status_code == 200, published.text
    return gathering_id
