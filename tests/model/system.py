"""The system under test as the model sees it: its public HTTP APIs and the mail catcher, synchronously."""

import email
import email.policy
import re
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from expected_notices import Calendar
from flows_kit import ORGANISER_EMAIL, OSLO, Stack, random_orgnr, unique_email, unique_phone

from outreach_shared.auth import Role
from outreach_shared.signing import AUDIENCES, mint_token

Window = tuple[datetime, datetime]


def iso(window: Window) -> dict[str, str]:
    """A window as the APIs take it."""
    return {"start": window[0].astimezone(OSLO).isoformat(), "end": window[1].astimezone(OSLO).isoformat()}


def parse_window(body: dict[str, str]) -> Window:
    """A window from an API answer, in UTC."""
    return datetime.fromisoformat(body["start"]).astimezone(UTC), datetime.fromisoformat(body["end"]).astimezone(UTC)


def calendars_in(raw: bytes) -> list[Calendar]:
    """Every VEVENT's UID, METHOD and SEQUENCE in a mail's text/calendar parts."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    found = []
    for part in message.walk():
        if part.get_content_type() != "text/calendar":
            continue
        text = part.get_payload(decode=True).decode()
        text = re.sub(r"\r?\n[ \t]", "", text)  # unfold
        method = re.search(r"^METHOD:(.+?)\r?$", text, re.M)
        for event in re.findall(r"BEGIN:VEVENT(.*?)END:VEVENT", text, re.S):
            uid = re.search(r"^UID:(.+?)\r?$", event, re.M)
            sequence = re.search(r"^SEQUENCE:(\d+)", event, re.M)
            found.append(Calendar(uid.group(1) if uid else "?", method.group(1) if method else "?",
                                  int(sequence.group(1)) if sequence else 0))
    return found


@dataclass(frozen=True)
class Observation:
    """What the system shows at one moment, for the model's members, visits and gathering."""

    offers: dict[str, dict[str, Any]]
    visits: dict[str, dict[str, Any]]
    deliveries: dict[str, Counter]
    unsent: int
    mails: dict[str, list[str]]
    no_team_mails: Counter
    registrations: dict[str, str | None]

    def fingerprint(self) -> tuple:
        """What must stay the same for the system to count as quiet."""
        return (
            sorted((k, o["status"]) for k, o in self.offers.items()),
            sorted((k, v["status"], v["calendar_sequence"], len(v["team"])) for k, v in self.visits.items()),
            sorted((k, sorted(c.items())) for k, c in self.deliveries.items()),
            sorted((k, len(v)) for k, v in self.mails.items()),
            sorted(self.no_team_mails.items()),
            sorted(self.registrations.items(), key=str),
        )


class System:
    """Acts as schools, members and organisers over HTTP; reads notify's delivery log and the mail catcher."""

    def __init__(self, stack: Stack) -> None:
        self._key = stack.signing_key
        self._http = {name: httpx.Client(base_url=url, timeout=30) for name, url in stack.urls.items()}
        self._mail = httpx.Client(base_url=stack.mail_url, timeout=30)
        self._calendars: dict[str, list[Calendar]] = {}

    def close(self) -> None:
        """Close the clients."""
        for client in [*self._http.values(), self._mail]:
            client.close()

    def _auth(self, role: Role, subject: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_token(self._key, role, subject, audience=AUDIENCES)}"}

    def _call(self, service: str, method: str, path: str, role: Role, subject: str | None = None,
              **kwargs: Any) -> httpx.Response:
        response = self._http[service].request(method, path, headers=self._auth(role, subject) | kwargs.pop(
            "headers", {}), **kwargs)
        assert response.status_code < 500, f"{method} {path}: {response.status_code} {response.text}"
        return response

    # ------------------------------------------------------------------ acting

    def register_member(self, first_name: str, kommunenummer: str) -> dict[str, Any]:
        """An organiser puts a nurse on the roster who travels nowhere and may take a visit any day."""
        body = {"name": f"{first_name} Modell", "profession": "nurse", "kommunenummer": kommunenummer,
                "email": unique_email(first_name.lower()), "phone": unique_phone(), "languages": ["nb"],
                "weekdays": [1, 2, 3, 4, 5, 6, 7], "travel_radius_km": 0, "max_visits_per_month": 31}
        response = self._call("ambassadors", "POST", "/v1/members", "organiser", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    @staticmethod
    def new_school() -> str:
        """A school's organisasjonsnummer."""
        return random_orgnr()

    def book(self, orgnr: str, kommunenummer: str, windows: list[Window], team_size: int) -> tuple[str, str]:
        """A school books a visit; returns its id and the contact's address."""
        contact = unique_email("kontakt")
        body = {
            "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}", "kommunenummer": kommunenummer,
                       "address": "Skoleveien 1"},
            "contact": {"name": "Rådgiver Rita", "email": contact, "phone": unique_phone()},
            "kind": "school_visit", "audience": {"description": "10. trinn", "pupils": 60},
            "professions": ["nurse"], "language": "nb", "windows": [iso(w) for w in windows],
            "team_size": team_size,
        }
        response = self._call("booking", "POST", "/v1/visit-requests", "school", orgnr, json=body,
                              headers={"Idempotency-Key": secrets.token_hex(8)})
        assert response.status_code == 201, response.text
        return response.json()["id"], contact

    def cancel(self, visit_id: str, orgnr: str) -> httpx.Response:
        """The school cancels."""
        return self._call("booking", "POST", f"/v1/visit-requests/{visit_id}/cancel", "school", orgnr,
                          json={"reason": "Eksamen flyttet"})

    def reschedule(self, visit_id: str, orgnr: str, windows: list[Window]) -> httpx.Response:
        """The school asks for other windows."""
        return self._call("booking", "POST", f"/v1/visit-requests/{visit_id}/reschedule", "school", orgnr,
                          json={"windows": [iso(w) for w in windows]})

    def answer(self, member_id: str, offer_id: str, verb: str) -> httpx.Response:
        """The member accepts or declines."""
        return self._call("ambassadors", "POST", f"/v1/offers/{offer_id}/{verb}", "member", member_id)

    def deactivate(self, member_id: str) -> httpx.Response:
        """An organiser deactivates the member."""
        return self._call("ambassadors", "POST", f"/v1/members/{member_id}/deactivate", "organiser")

    def erase(self, member_id: str) -> httpx.Response:
        """An organiser erases the member."""
        return self._call("ambassadors", "DELETE", f"/v1/members/{member_id}", "organiser")

    def create_gathering(self, kommunenummer: str, county: str, capacity: int) -> str:
        """An organiser schedules and publishes a gathering for nurses of the county, two months ahead."""
        now = datetime.now(OSLO).replace(microsecond=0)
        day = (now + timedelta(days=60)).date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        starts = datetime(day.year, day.month, day.day, 9, tzinfo=OSLO)
        body = {
            "title": "Modellsamling", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=6)).isoformat(),
            "venue": {"name": "Samlingshuset", "address": "Torget 1", "kommunenummer": kommunenummer},
            "region": [county], "audience": ["nurse"], "capacity": capacity,
            "registration_opens": (now - timedelta(days=1)).isoformat(),
            "registration_closes": (now + timedelta(days=30)).isoformat(),
            "withdrawal_deadline": (now + timedelta(days=29)).isoformat(),
        }
        created = self._call("training", "POST", "/v1/gatherings", "organiser", json=body)
        assert created.status_code == 201, created.text
        gathering_id = created.json()["id"]
        published = self._call("training", "POST", f"/v1/gatherings/{gathering_id}/publish", "organiser")
        assert published.status_code == 200, published.text
        return gathering_id

    def cancel_gathering(self, gathering_id: str) -> httpx.Response:
        """An organiser cancels the gathering."""
        return self._call("training", "POST", f"/v1/gatherings/{gathering_id}/cancel", "organiser",
                          json={"reason": "Ferdig testet"})

    def register_for(self, gathering_id: str, member_id: str) -> httpx.Response:
        """The member registers."""
        return self._call("training", "POST", f"/v1/gatherings/{gathering_id}/registrations", "member", member_id,
                          json={})

    def withdraw_from(self, gathering_id: str, member_id: str) -> httpx.Response:
        """The member withdraws."""
        return self._call("training", "DELETE", f"/v1/gatherings/{gathering_id}/registrations/me", "member",
                          member_id)

    def accept_place(self, gathering_id: str, member_id: str) -> httpx.Response:
        """The member takes the place offered."""
        return self._call("training", "POST", f"/v1/gatherings/{gathering_id}/registrations/me/accept-offer",
                          "member", member_id)

    # ------------------------------------------------------------------ observing

    def offers_of(self, member_id: str) -> list[dict[str, Any]]:
        """The member's offers."""
        response = self._call("ambassadors", "GET", "/v1/me/offers", "member", member_id)
        assert response.status_code == 200, response.text
        return list(response.json())

    def visit(self, visit_id: str, orgnr: str) -> dict[str, Any]:
        """The visit as its school sees it."""
        response = self._call("booking", "GET", f"/v1/visit-requests/{visit_id}", "school", orgnr)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def deliveries(self, recipient: str) -> tuple[Counter, int]:
        """Notify's deliveries to a recipient as (notice type, channel) counts, and how many are not sent yet."""
        response = self._call("notify", "GET", "/v1/notifications", "organiser", params={"recipient": recipient})
        assert response.status_code == 200, response.text
        rows = [d for d in response.json() if d["fallback_of"] is None]
        return Counter((d["notice_type"], d["channel"]) for d in rows), sum(d["status"] != "sent" for d in rows)

    def mail_ids(self, address: str) -> list[str]:
        """The caught messages to an address, oldest first."""
        response = self._mail.get("/api/messages", params={"to": address})
        response.raise_for_status()
        return [m["id"] for m in response.json()["messages"]]

    def no_team_mails(self, visit_ids: list[str]) -> Counter:
        """The organisers' "no team" mails per visit (their subject names the visit)."""
        response = self._mail.get("/api/messages", params={"to": ORGANISER_EMAIL})
        response.raise_for_status()
        found: Counter = Counter()
        for m in response.json()["messages"]:
            for visit_id in visit_ids:
                if visit_id in m["subject"]:  # the daily digest names no visit in its subject
                    found[visit_id] += 1
        return found

    def calendars(self, message_id: str) -> list[Calendar]:
        """The calendar objects in one caught message (read once)."""
        if message_id not in self._calendars:
            response = self._mail.get(f"/api/messages/{message_id}/raw")
            response.raise_for_status()
            self._calendars[message_id] = calendars_in(response.content)
        return self._calendars[message_id]

    def registration(self, gathering_id: str, member_id: str) -> str | None:
        """The member's registration status (None when not registered)."""
        response = self._call("training", "GET", f"/v1/gatherings/{gathering_id}/registrations/me", "member",
                              member_id)
        return response.json()["status"] if response.status_code == 200 else None

    def observe(self, *, members: list[str], erased: set[str], visits: dict[str, str], addresses: list[str],
                gathering: str | None, registrants: list[str]) -> Observation:
        """One look at everything the model checks."""
        offers = {o["id"]: o | {"_member": m} for m in members if m not in erased for o in self.offers_of(m)}
        seen_visits = {v: self.visit(v, orgnr) for v, orgnr in visits.items()}
        deliveries, unsent = {}, 0
        for recipient in [*(f"member:{m}" for m in members), *(f"school:{v}" for v in visits)]:
            deliveries[recipient], pending = self.deliveries(recipient)
            unsent += pending
        mails = {a: self.mail_ids(a) for a in addresses}
        registrations = {m: self.registration(gathering, m) for m in registrants} if gathering else {}
        return Observation(offers, seen_visits, deliveries, unsent, mails, self.no_team_mails(list(visits)),
                           registrations)
