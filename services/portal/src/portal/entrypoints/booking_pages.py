"""Book a visit (school contacts, desktop first): `GET /school/book` shows the form, filled in with what booking
knows of the school from its earlier visits; `POST /school/book` checks the form, sends it to booking's
`POST /v1/visit-requests` with the form's Idempotency-Key (one per form shown, so a double click or a reload books
once), and on success sends the person (303) to `/school/book/done/{id}`, a receipt linking to the visit's page.

Without JavaScript a window row is added or removed by a plain submit with a button name (`action=add` /
`action=remove-N`); booking's refusals are shown beside the field they name, in an error summary that takes focus.
"""

import re
import secrets
from functools import cache
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from outreach_shared.municipalities import load_register
from outreach_shared.orgnr import is_valid_orgnr
from portal import i18n
from portal.adapters.service_apis import Caller, Refused, Unavailable
from portal.domain import booking_form as rules
from portal.domain.booking_form import BookingForm, WindowRow
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.web import Acting, SchoolForm, SchoolPage, web_router
from portal.i18n import N_

router = web_router()
VisitId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Booking's id of the visit")]
KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
"""What an Idempotency-Key from this form looks like; anything else is replaced by a new one."""
KINDS = {"school_visit": N_("School visit"), "career_day": N_("Career day"), "digital_visit": N_("Digital visit"),
         "education_fair": N_("Education fair")}  # fmt: skip
PROFESSIONS = {"nurse": N_("Nurse"), "health_worker": N_("Health worker")}
LANGUAGES = {"nb": N_("Norwegian Bokmål"), "nn": N_("Norwegian Nynorsk"), "en": N_("English")}
REASONS = {
    "required": N_("Fill in this field."),
    "too_long": N_("Write at most 200 characters, without special control characters."),
    "notes_long": N_("Write at most 2000 characters."),
    "choose": N_("Choose one."),
    "email": N_("Write an e-mail address, like name@school.no."),
    "phone": N_("Write a phone number, like 912 34 567."),
    "pupils": N_("Write a number of pupils from 1 to 5000."),
    "team": N_("Choose a team of 1 to 4."),
    "day": N_("Choose a date."),
    "time": N_("Write a time, like 09:00."),
    "end_before_start": N_("The end must be after the start."),
    "notice": N_("This is too soon: choose a later day."),
    "too_far": N_("This is too far ahead: choose an earlier day."),
    "length": N_("A time must last from 30 minutes to 12 hours."),
    "one_day": N_("A time must end on the day it starts."),
    "hours": N_("This is outside the days and hours visits can take place."),
    "clock": N_("This time happens twice or not at all when the clocks change: choose another hour."),
    "window": N_("Booking did not accept this time: choose another."),
    "refused": N_("Booking did not accept this: check it and try again."),
    "limit": N_("Your school has many open requests already. Wait until some are answered, or cancel one."),
    "busy": N_("Many requests are coming in right now. Wait a minute, then send again."),
    "resent": N_("This form was sent before with other answers. Check them, then send again."),
    "orgnr": N_("Your school's organisation number is not valid; please contact us."),
}
"""What the page says about a field, by the reason `booking_form` or booking gave."""
LABELS = {
    "school.name": N_("School name"), "school.kommunenummer": N_("Municipality"), "school.address": N_("Address"),
    "contact.name": N_("Your name"), "contact.email": N_("Your e-mail"), "contact.phone": N_("Your phone"),
    "kind": N_("Kind of visit"), "audience.description": N_("Who the visit is for"),
    "audience.pupils": N_("Number of pupils"), "professions": N_("Professions"), "language": N_("Language"),
    "team_size": N_("Team size"), "notes": N_("Anything else we should know"), "form": N_("Your request"),
}  # fmt: skip


def _collation(name: str) -> str:
    """Norwegian alphabetical order: æ, ø, å after z."""
    return name.lower().replace("æ", "{1").replace("ø", "{2").replace("å", "{3")


@cache
def municipalities() -> list[tuple[str, str]]:
    """Every kommune (number, name) in alphabetical order."""
    return sorted(((m.number, m.name) for m in load_register().by_number.values()), key=lambda m: _collation(m[1]))


async def _known(caller: Caller) -> BookingForm:
    """The form filled in with the school and contact of the school's latest visit, if booking has one."""
    try:
        first = await caller.get("/v1/visit-requests", params={"limit": 1})
        total = int(first.get("total") or 0)
        if total == 0:
            return BookingForm()
        page = first if total == 1 else await caller.get("/v1/visit-requests", params={"limit": 1, "offset": total - 1})
        latest = await caller.get(f"/v1/visit-requests/{page['items'][0]['id']}")
    except (Refused, Unavailable, LookupError, TypeError, ValueError):
        return BookingForm()  # the form works without it
    school, contact = latest.get("school") or {}, latest.get("contact") or {}
    return BookingForm(school_name=school.get("name", ""), kommunenummer=school.get("kommunenummer", ""),
                       address=school.get("address", ""), contact_name=contact.get("name", ""),
                       contact_email=contact.get("email", ""), contact_phone=contact.get("phone", ""),
                       audience=str((latest.get("audience") or {}).get("description") or ""),
                       language=latest.get("language") or "nb")  # fmt: skip


def _page(request: Request, person: Acting, form: BookingForm, key: str, errors: dict[str, str] | None = None,
          *, status_code: int = 200, focus: str | None = None, status: str = "") -> HTMLResponse:  # fmt: skip
    """The form as typed, its hints, and what to fix: by field id, each reason in the page's language."""
    now = person.clock.now()
    with i18n.speaking(_lang(request)):
        shown = {rules.field_id(path): i18n.gettext(REASONS.get(reason, reason)) for path, reason in
                 (errors or {}).items()}  # fmt: skip
        summary = {("book-form" if path == "form" else rules.field_id(path)): f"{_label(path)}: "
                   f"{shown[rules.field_id(path)]}" for path in (errors or {})}  # fmt: skip
        said = i18n.gettext(status) % {"n": len(form.windows)} if status else ""
        options = {"kinds": [(k, i18n.gettext(v)) for k, v in KINDS.items()],
                   "professions": [(k, i18n.gettext(v)) for k, v in PROFESSIONS.items()],
                   "visit_languages": [(k, i18n.gettext(v)) for k, v in LANGUAGES.items()]}  # fmt: skip
    context = {
        "form": form, "key": key, "errors": shown, "summary": summary, "orgnr": person.account.subject, **options,
        "municipalities": municipalities(), "hints": rules.window_hints(now, form.kind or "school_visit"),
        "max_windows": rules.MAX_WINDOWS, "focus": focus, "status": said,
        "swapped": bool(request.headers.get("HX-Request")),
    }  # fmt: skip
    return render(request, "school_book.html", context, status_code=status_code)


def _lang(request: Request) -> i18n.Lang:
    return page_language(request)


def _label(path: str) -> str:
    if path.startswith("windows."):
        number, part = path.split(".")[1:3]
        texts = {"day": N_("Date of time %(n)s"), "start": N_("Start of time %(n)s"), "end": N_("End of time %(n)s")}
        return i18n.gettext(texts[part]) % {"n": int(number) + 1}
    return i18n.gettext(LABELS.get(path, LABELS["form"]))


@router.get("/school/book", response_class=HTMLResponse)
async def book_page(request: Request, person: SchoolPage) -> Response:
    """The booking form, filled in with what booking knows of the school."""
    form = await _known(await person.api("booking"))
    return _page(request, person, form, secrets.token_urlsafe(24))


@router.post("/school/book", response_class=HTMLResponse)
async def book(request: Request, person: SchoolForm) -> Response:
    """Add or remove a window row, or check the form and ask booking for the visit (once per form shown)."""
    posted = await request.form()
    professions = [str(p) for p in posted.getlist("professions")][: len(rules.PROFESSIONS)]
    form = rules.read_form(posted, professions)
    given = posted.get("idempotency_key")
    key = given if isinstance(given, str) and KEY.fullmatch(given) else secrets.token_urlsafe(24)
    action = str(posted.get("action") or "")
    if action == "add" and len(form.windows) < rules.MAX_WINDOWS:
        form.windows.append(WindowRow())
        return _page(
            request, person, form, key, focus=f"windows-{len(form.windows) - 1}-day", status=N_("Time %(n)s added.")
        )
    if action.startswith("remove-") and action[7:].isdigit() and len(form.windows) > 1:
        del form.windows[min(int(action[7:]), len(form.windows) - 1)]
        return _page(request, person, form, key, focus="windows-heading", status=N_("Time removed."))
    orgnr = person.account.subject
    if not is_valid_orgnr(orgnr):  # the account's orgnr was checked when it was made; checked again here
        return _page(request, person, form, key, {"form": "orgnr"}, status_code=422)
    problems = rules.problems(form, set(load_register().by_number))
    if problems:
        return _page(request, person, form, key, problems, status_code=422)
    caller = await person.api("booking")
    try:
        created = await caller.post("/v1/visit-requests", rules.visit_request(form, orgnr),
                                     headers={"Idempotency-Key": key})  # fmt: skip
    except Refused as refused:
        errors, key = _refusals(refused, form), (key if refused.status == 429 else secrets.token_urlsafe(24))
        return _page(request, person, form, key, errors, status_code=422)  # shown again (htmx swaps a 422 only)
    done = f"/school/book/done/{created['id']}"
    if request.headers.get("HX-Request"):  # htmx: let the browser go there, so the address shows the receipt
        return secure(Response(status_code=204, headers={"HX-Redirect": done}))
    return secure(RedirectResponse(done, status_code=303))


def _refusals(refused: Refused, form: BookingForm) -> dict[str, str]:
    """Booking's refusal as reasons by field; a visit booking cannot take at all, said at the top."""
    if refused.status == 409:
        return {"form": "limit"}
    if refused.status == 429:
        return {"form": "busy"}
    if refused.status in (401, 403):
        raise refused  # the page says so
    errors: dict[str, str] = {}
    for path, reason in (refused.fields or {"": refused.detail}).items():
        if path == "Idempotency-Key":
            errors["form"] = "resent"
            continue
        target = rules.refused_field(path, len(form.windows))
        errors[target] = rules.window_reason(reason) if target.startswith("windows.") else "refused"
    return errors


@router.get("/school/book/done/{visit_id}", response_class=HTMLResponse)
async def booked(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """The receipt: what was asked for, and where to follow it."""
    visit = await (await person.api("booking")).get(f"/v1/visit-requests/{visit_id}")
    windows = [{"start": rules.parse_instant(w["start"]), "end": rules.parse_instant(w["end"])}
               for w in visit.get("windows") or []]  # fmt: skip
    with i18n.speaking(_lang(request)):
        kind = i18n.gettext(KINDS.get(str(visit.get("kind")), N_("School visit")))
    return render(request, "school_book_done.html", {"visit": visit, "windows": windows, "kind": kind})
