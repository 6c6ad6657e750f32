"""Organisers' gatherings, pure view code: the draft form to and from training's API body, a page of the list, the
participants grouped by where they stand, and what the check-in page says."""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal.i18n import N_

OSLO = ZoneInfo("Europe/Oslo")
PER_PAGE = 20
SESSION_ROWS = 3
"""Empty session rows the form offers beyond those the draft has (more: save, and three more appear)."""
MAX_SESSIONS = 100
GATHERING_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
STATUSES = {"draft": N_("Draft"), "published": N_("Published"), "completed": N_("Completed"),
            "cancelled": N_("Cancelled")}  # fmt: skip
PROFESSIONS = {"nurse": N_("Nurse"), "health_worker": N_("Health worker")}
KINDS = {"presentation_technique": N_("Presentation technique"), "storytelling": N_("Storytelling"),
         "slides": N_("Slides"), "experience_exchange": N_("Experience exchange"), "other": N_("Other")}  # fmt: skip
PARTICIPANT_STATUSES = {"confirmed": N_("Registered"), "offered": N_("Offered a place"),
                        "waitlisted": N_("Waiting list")}  # fmt: skip
DONE = {"created": N_("The draft is saved."), "saved": N_("The changes are saved."),
        "published": N_("The gathering is published: eligible members are invited."),
        "cancelled": N_("The gathering is cancelled: every registered and waiting member is told."),
        "completed": N_("The gathering is completed: everyone checked in is trained.")}  # fmt: skip
TIMES = ("starts_at", "ends_at", "registration_opens", "registration_closes", "withdrawal_deadline")


def done_message(done: str | None) -> str | None:
    """The message id of what a form did (`?done=`), for the live region."""
    return DONE.get(done or "")


def local(value: str | None) -> str:
    """An ISO time from training as a `datetime-local` input's value, in Norway's time."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


def moment(value: str | None) -> datetime | None:
    """An ISO time from training, or None."""
    return datetime.fromisoformat(value) if value else None


def _when(typed: str) -> str | None:
    """A `datetime-local` value (Norway's time) as an ISO time with its offset; None unless it is one."""
    try:
        at = datetime.strptime(typed.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return at.replace(tzinfo=OSLO).isoformat()


@dataclass
class DraftForm:
    """The draft form as typed: its values by input name, and the problems found before asking training."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def session_rows(self) -> int:
        """How many session rows the form shows."""
        typed = [
            i for i in range(MAX_SESSIONS) if any(self.values.get(f"sessions-{i}-{k}") for k in ("title", "starts_at"))
        ]
        return min((max(typed) + 1 if typed else 0) + SESSION_ROWS, MAX_SESSIONS)


def form_of(gathering: dict[str, Any] | None) -> DraftForm:
    """The form filled from a gathering (empty for a new one)."""
    if gathering is None:
        return DraftForm({"audience": ["nurse", "health_worker"], "region": []})
    values: dict[str, Any] = {
        "title": gathering["title"],
        "venue-name": gathering["venue"]["name"],
        "venue-address": gathering["venue"]["address"],
        "venue-kommunenummer": gathering["venue"]["kommunenummer"],
        "region": list(gathering["region"]),
        "audience": list(gathering["audience"]),
        "capacity": str(gathering["capacity"]),
        **{name: local(gathering[name]) for name in TIMES},
    }
    for i, s in enumerate(gathering.get("sessions") or []):
        values |= {f"sessions-{i}-title": s["title"], f"sessions-{i}-kind": s["kind"]}
        values |= {f"sessions-{i}-{k}": local(s[k]) for k in ("starts_at", "ends_at")}
    return DraftForm(values)


def typed_form(form: dict[str, Any]) -> DraftForm:
    """The form as posted (`form`: each name to its one value, or to a list for `region` and `audience`)."""
    values = {k: (v if isinstance(v, list) else str(v)[:1000]) for k, v in form.items() if k != "csrf_token"}
    return DraftForm(values)


def api_body(draft: DraftForm) -> dict[str, Any]:
    """Training's `GatheringIn` from the form; the problems the portal sees itself go into `draft.errors` (by input
    name), and what training refuses comes back naming the same fields (`api_field`)."""
    v = draft.values
    body: dict[str, Any] = {
        "title": v.get("title", ""),
        "venue": {
            "name": v.get("venue-name", ""),
            "address": v.get("venue-address", ""),
            "kommunenummer": v.get("venue-kommunenummer", "").strip(),
        },  # fmt: skip
        "region": [str(c) for c in v.get("region") or []],
        "audience": [str(p) for p in v.get("audience") or []],
    }
    capacity = str(v.get("capacity", "")).strip()
    if capacity.isdigit() and len(capacity) <= 6:
        body["capacity"] = int(capacity)
    else:
        draft.errors["capacity"] = N_("Give the number of places as a whole number.")
    for name in TIMES:
        at = _when(str(v.get(name, "")))
        if at is None:
            draft.errors[name] = N_("Give a date and time.")
        else:
            body[name] = at
    sessions = []
    for i in range(MAX_SESSIONS):
        row = {k: str(v.get(f"sessions-{i}-{k}", "")).strip() for k in ("title", "kind", "starts_at", "ends_at")}
        if not any(row[k] for k in ("title", "starts_at", "ends_at")):
            continue
        session: dict[str, Any] = {"title": row["title"], "kind": row["kind"] or "other"}
        for k in ("starts_at", "ends_at"):
            at = _when(row[k])
            if at is None:
                draft.errors[f"sessions-{i}-{k}"] = N_("Give a date and time.")
            session[k] = at
        sessions.append(session)
    body["sessions"] = sessions
    return body


def form_field(api_field: str) -> str:
    """The input a field training named is (`venue.kommunenummer` → `venue-kommunenummer`)."""
    name = api_field.removeprefix("body.").replace(".", "-")
    return name or "title"


@dataclass(frozen=True)
class Page:
    """A page of the list: its rows and the cursor of the next page (None on the last)."""

    rows: list[dict[str, Any]]
    next_after: str | None


def page_of(found: list[dict[str, Any]], per_page: int = PER_PAGE) -> Page:
    """The page from training's answer to `limit=per_page + 1` (one more than shown: is there a next page?)."""
    rows = found[:per_page]
    return Page(rows, rows[-1]["id"] if len(found) > per_page and rows else None)


def grouped(participants: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Participants by where they stand: registered, offered a place, waiting (in order)."""
    groups: dict[str, list[dict[str, Any]]] = {"confirmed": [], "offered": [], "waitlisted": []}
    for p in participants:
        if p["status"] in groups:
            groups[p["status"]].append({**p, "offer_expires_at": moment(p.get("offer_expires_at"))})
    groups["waitlisted"].sort(key=lambda p: p.get("position") or 0)
    return groups


def certificates(participants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The proofs of training a completed gathering produced: one per member checked in."""
    return [p for p in participants if p.get("verification_code")]


def display_code(typed: str) -> str:
    """A check-in code as people read it (`K7QX-M2PD`), from what was typed or scanned."""
    code = re.sub(r"[\s-]+", "", typed).upper()
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def scanned_code(text: str) -> str:
    """The check-in code in what a QR code held: the code itself, or a link ending in it (`.../K7QX-M2PD`)."""
    last = text.strip().rstrip("/").rsplit("/", 1)[-1]
    return last.rsplit("=", 1)[-1][:32]


def timed(gathering: dict[str, Any]) -> dict[str, Any]:
    """The gathering with its times (and its sessions') as datetimes, for the pages' `when` filter."""
    sessions = [{**s, "starts_at": moment(s["starts_at"]), "ends_at": moment(s["ends_at"])}
                for s in gathering.get("sessions") or []]  # fmt: skip
    return {**gathering, **{name: moment(gathering.get(name)) for name in TIMES}, "sessions": sessions}


def signature(gathering: dict[str, Any], participants: list[dict[str, Any]]) -> str:
    """What the live part shows, in short: the next poll answers 204 (htmx keeps the page) while it is the same."""
    seen = [gathering["status"], sorted(gathering["counts"].items())]
    seen += sorted((p["member_id"], p["status"], p.get("position"), bool(p.get("checked_in_at"))) for p in participants)
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]
