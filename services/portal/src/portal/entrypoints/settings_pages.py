"""Members' own settings (phone first): when they can go (`/me/availability`: weekdays, parts of the day, holidays,
monthly limit, travel radius), their profile (`/me/profile`), how they are told (`/settings/notifications`, also
at the mails' `/innstillinger/varsler` and `/innstillingar/varsel`) and their calendar feed (`/settings/calendar`,
also `/innstillinger/kalender`).

Ambassadors keeps the profile and availability (`GET/PATCH /v1/me`), notify the preferences and the feed. A form
that saves answers 303 back to its page with `?done=<what>` (the page then says so in the live region, and an htmx
form follows the redirect in place); a refusal shows the form again (422) with the problems beside their fields.
"""

from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal import i18n
from portal.adapters.service_apis import Refused
from portal.domain import member_settings as rules
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.web import Acting, MemberForm, MemberPage, web_router
from portal.i18n import N_

router = web_router()

DONE = {
    "holiday": N_("Your holiday is saved. You will not get offers for those days."),
    "removed": N_("The holiday is removed."),
    "availability": N_("Your availability is saved."),
    "profile": N_("Your profile is saved."),
    "notifications": N_("Your notification settings are saved."),
    "revoked": N_("Your calendar link is turned off. The old link no longer works."),
}
"""What a page says in its live region after a form saved (`?done=`)."""
PROBLEMS = {
    "weekdays": N_("Choose at least one weekday"),
    "times_of_day": N_("Choose at least one part of the day"),
    "max_visits_per_month": N_("Write a whole number from 0 to 31"),
    "travel_radius_km": N_("Write a whole number of kilometres from 0 to 2000"),
    "holiday_from": N_("Choose the first day of your holiday, today or later"),
    "holiday_to": N_("Choose the last day of your holiday, on or after the first day"),
    "holiday_far": N_("Choose dates within 18 months from today"),
    "holiday_many": N_("You have too many holidays saved: remove one first"),
    "name": N_("Write your name (at most 200 characters)"),
    "email": N_("Write an e-mail address, like name@example.no"),
    "email_taken": N_("Another member already uses this e-mail address"),
    "phone": N_("Write a phone number, like 912 34 567"),
    "languages": N_("Choose at least one language"),
    "quiet_start": N_("Write the time the quiet hours start, like 22:00"),
    "quiet_end": N_("Write the time the quiet hours end, like 07:00"),
    "language": N_("Choose a language"),
}
"""Each problem a form can have, in words the member understands (the services' own reasons are English)."""
WEEKDAY_NAMES = {1: N_("Monday"), 2: N_("Tuesday"), 3: N_("Wednesday"), 4: N_("Thursday"), 5: N_("Friday"),
                 6: N_("Saturday"), 7: N_("Sunday")}  # fmt: skip
TIME_NAMES = {"morning": N_("Mornings (before 11:00)"), "midday": N_("Middays (11:00–13:00)"),
              "afternoon": N_("Afternoons (from 13:00)")}  # fmt: skip
PICK_NAMES = {"next_week": N_("Next week"), "next_two_weeks": N_("The next two weeks"),
              "rest_of_month": N_("The rest of this month")}  # fmt: skip
LANGUAGE_NAMES = {"nb": N_("Norwegian Bokmål"), "nn": N_("Norwegian Nynorsk"), "en": N_("English")}
GROUP_NAMES = {
    "offers": (N_("Offers of visits"), N_("A new visit you can take, and offers that expire or are withdrawn")),
    "visits": (N_("My visits"), N_("Confirmations, reminders and changes to visits you take part in")),
    "gatherings": (N_("Gatherings"), N_("Invitations, places and reminders for gatherings")),
}
CHANNEL_NAMES = {"email": N_("E-mail"), "sms": N_("SMS")}
AVAILABILITY_FIELDS = {
    "weekdays": "weekdays", "times_of_day": "times_of_day", "unavailable": "holiday_from",
    "max_visits_per_month": "max_visits_per_month", "travel_radius_km": "travel_radius_km",
}  # fmt: skip
PROFILE_FIELDS = {"name": "name", "email": "email", "phone": "phone", "languages": "languages"}
NOTIFY_FIELDS = {"quiet_hours": "quiet_start", "language": "language"}
"""The services' field names (the first part of a refusal's `field`) and the form field each is shown beside."""


def _t(message: str) -> str:
    return i18n.gettext(message)


def _done(request: Request) -> str | None:
    key = request.query_params.get("done")
    return DONE.get(key) if key else None


def _saved(path: str, what: str) -> Response:
    """Back to the page, which says what was saved (POST, redirect, GET)."""
    return secure(RedirectResponse(f"{path}?done={what}", status_code=303))


def _today(person: Acting) -> date:
    return person.clock.now().astimezone(i18n.OSLO).date()


async def _form(request: Request) -> dict[str, list[str]]:
    """The posted form (already read, with the CSRF check, by the page's dependency), each field's values."""
    form = await request.form()
    return {key: [str(v)[:300] for v in form.getlist(key) if isinstance(v, str)] for key in form}


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _problems(refused: Refused, fields: dict[str, str], default: str) -> dict[str, str]:
    """The form's problems from a service's refusal, each beside its field (else beside `default`)."""
    named = {rules.form_field(field, fields) for field in refused.fields}
    found = {name: name for name in named if name}
    return found or {default: default}


def _worded(problems: dict[str, str]) -> dict[str, str]:
    """`{field: problem key}` as `{field: the problem in words}`."""
    return {field: _t(PROBLEMS[key]) for field, key in problems.items()}


# --- Availability -------------------------------------------------------------------------------------------------


@router.get("/me/availability", response_class=HTMLResponse)
async def availability(request: Request, person: MemberPage) -> Response:
    """When the member can go, and the holidays ahead."""
    me = await (await person.api("ambassadors")).get("/v1/me")
    return _availability_page(request, person, me, {}, {}, status=_done(request))


@router.post("/me/availability", response_class=HTMLResponse)
async def save_availability(request: Request, person: MemberForm) -> Response:
    """Add a holiday (a quick pick or two dates), remove one, or save weekdays, parts of the day and limits."""
    form = await _form(request)
    caller = await person.api("ambassadors")
    me = await caller.get("/v1/me")
    today = _today(person)
    action = _one(form, "action")
    if action == "remove":
        change: dict[str, Any] = {"unavailable": rules.without(me["unavailable"], _one(form, "away"))}
        done = "removed"
    elif action in ("add", "pick"):
        problems, away = _holiday(form, today, pick=action == "pick")
        if problems:
            return _availability_page(request, person, me, form, problems, status_code=422, holiday_open=True)
        change, done = {"unavailable": [*me["unavailable"], away]}, "holiday"
    else:
        problems, change = _limits(form)
        if problems:
            return _availability_page(request, person, me, form, problems, status_code=422)
        done = "availability"
    try:
        await caller.patch("/v1/me", change)
    except Refused as refused:
        if refused.status not in (400, 409, 422):
            raise
        holiday = action in ("add", "pick", "remove")
        problems = _problems(refused, AVAILABILITY_FIELDS, "holiday_from" if holiday else "max_visits_per_month")
        if "holiday_from" in problems:
            problems["holiday_from"] = "holiday_many" if len(me["unavailable"]) >= 50 else "holiday_far"
        return _availability_page(request, person, me, form, problems, status_code=422,
                                  holiday_open="holiday_from" in problems)  # fmt: skip
    return _saved("/me/availability", done)


def _holiday(form: dict[str, list[str]], today: date, *, pick: bool) -> tuple[dict[str, str], dict[str, str]]:
    """The holiday asked for, or the problems with it."""
    if pick:
        days = rules.quick_holiday(_one(form, "pick"), today)
        if days is None:
            return {"holiday_from": "holiday_from"}, {}
        first, last = days
    else:
        start, end = rules.parse_date(_one(form, "holiday_from")), rules.parse_date(_one(form, "holiday_to"))
        problems = {}
        if start is None or start < today:
            problems["holiday_from"] = "holiday_from"
        if end is None or (start is not None and end < start):
            problems["holiday_to"] = "holiday_to"
        if problems or start is None or end is None:
            return problems, {}
        first, last = start, end
    return {}, {"from": first.isoformat(), "to": last.isoformat()}


def _limits(form: dict[str, list[str]]) -> tuple[dict[str, str], dict[str, Any]]:
    """Weekdays, parts of the day, the monthly limit and the travel radius asked for, or the problems with them
    (the bounds are ambassadors' to judge: a number out of them comes back as its refusal)."""
    weekdays = [int(d) for d in form.get("weekdays", []) if d in {str(n) for n in rules.WEEKDAYS}]
    times = [t for t in form.get("times_of_day", []) if t in rules.TIMES_OF_DAY]
    limit = rules.parse_number(_one(form, "max_visits_per_month"))
    radius = rules.parse_number(_one(form, "travel_radius_km"))
    checks = {"weekdays": weekdays, "times_of_day": times, "max_visits_per_month": limit, "travel_radius_km": radius}
    problems = {name: name for name, value in checks.items() if value is None or value == []}
    return problems, checks


def _availability_page(request: Request, person: Acting, me: dict[str, Any], form: dict[str, list[str]],
                       problems: dict[str, str], *, status: str | None = None, status_code: int = 200,
                       holiday_open: bool = False) -> HTMLResponse:  # fmt: skip
    """The availability page: the form as posted when it had problems, else as ambassadors has it."""
    today = _today(person)
    asked = bool(form) and _one(form, "action") == "save"
    values = {
        "weekdays": form.get("weekdays", []) if asked else [str(d) for d in me["weekdays"]],
        "times_of_day": form.get("times_of_day", []) if asked else me["times_of_day"],
        "max_visits_per_month": _one(form, "max_visits_per_month") if asked else str(me["max_visits_per_month"]),
        "travel_radius_km": _one(form, "travel_radius_km") if asked else str(me["travel_radius_km"]),
        "holiday_from": _one(form, "holiday_from"),
        "holiday_to": _one(form, "holiday_to"),
    }
    aways = [{"key": rules.range_key(r), "from": rules.parse_date(r["from"]), "to": rules.parse_date(r["to"]),
              "note": r.get("note")} for r in rules.upcoming(me["unavailable"], today)]  # fmt: skip
    days_off = [d for d in (rules.parse_date(x) for x in me.get("unavailable_dates", [])) if d and d >= today]
    with i18n.speaking(_language(request)):
        context = {
            "errors": _worded(problems),
            "values": values,
            "aways": aways,
            "days_off": days_off,
            "holiday_open": holiday_open,
            "today": today.isoformat(),
            "weekdays": [(str(n), _t(name)) for n, name in WEEKDAY_NAMES.items()],
            "times": [(key, _t(name)) for key, name in TIME_NAMES.items()],
            "picks": [(key, _t(name), _span(rules.quick_holiday(key, today))) for key, name in PICK_NAMES.items()],
            "status": _t(status) if status else None,
            "focus": request.query_params.get("done"),
        }
    return render(request, "settings_availability.html", context, status_code=status_code)


def _span(days: tuple[date, date] | None) -> str:
    if days is None:
        return ""
    return f"{i18n.day(days[0])} – {i18n.day(days[1])}"


def _language(request: Request) -> i18n.Lang:
    return page_language(request)


# --- Profile ------------------------------------------------------------------------------------------------------


@router.get("/me/profile", response_class=HTMLResponse)
async def profile(request: Request, person: MemberPage) -> Response:
    """What the member may change about themselves: name, e-mail, phone and languages."""
    me = await (await person.api("ambassadors")).get("/v1/me")
    return _profile_page(request, me, {}, {}, status=_done(request))


@router.post("/me/profile", response_class=HTMLResponse)
async def save_profile(request: Request, person: MemberForm) -> Response:
    """Save the profile (ambassadors checks the phone number and the e-mail address)."""
    form = await _form(request)
    caller = await person.api("ambassadors")
    me = await caller.get("/v1/me")
    change = {
        "name": " ".join(_one(form, "name").split()),
        "email": _one(form, "email").strip(),
        "phone": _one(form, "phone").strip(),
        "languages": rules.ordered_languages(form.get("languages", []), me["languages"]),
    }
    problems = {name: name for name, value in change.items() if not value}
    if len(change["name"]) > 200:
        problems["name"] = "name"
    if problems:
        return _profile_page(request, me, form, problems, status_code=422)
    try:
        await caller.patch("/v1/me", change)
    except Refused as refused:
        if refused.status not in (400, 409, 422):
            raise
        problems = _problems(refused, PROFILE_FIELDS, "name")
        if refused.status == 409 and "email" in problems:
            problems["email"] = "email_taken"
        return _profile_page(request, me, form, problems, status_code=422)
    return _saved("/me/profile", "profile")


def _profile_page(request: Request, me: dict[str, Any], form: dict[str, list[str]], problems: dict[str, str], *,
                  status: str | None = None, status_code: int = 200) -> HTMLResponse:  # fmt: skip
    values = {
        "name": _one(form, "name") if form else me["name"],
        "email": _one(form, "email") if form else me["email"],
        "phone": _one(form, "phone") if form else me["phone"],
        "languages": form.get("languages", []) if form else me["languages"],
    }
    with i18n.speaking(_language(request)):
        context = {
            "errors": _worded(problems),
            "values": values,
            "language_options": [(key, _t(name)) for key, name in LANGUAGE_NAMES.items()],
            "status": _t(status) if status else None,
        }
    return render(request, "settings_profile.html", context, status_code=status_code)


# --- Notifications ------------------------------------------------------------------------------------------------


@router.get("/settings/notifications", response_class=HTMLResponse)
@router.get("/innstillinger/varsler", response_class=HTMLResponse)
@router.get("/innstillingar/varsel", response_class=HTMLResponse)
async def notifications(request: Request, person: MemberPage) -> Response:
    """How the member is told: channels by kind of notice, quiet hours for SMS, the language of notices."""
    preferences = await (await person.api("notify")).get("/v1/me/preferences")
    return _notifications_page(request, preferences, {}, {}, status=_done(request))


@router.post("/settings/notifications", response_class=HTMLResponse)
@router.post("/innstillinger/varsler", response_class=HTMLResponse)
@router.post("/innstillingar/varsel", response_class=HTMLResponse)
async def save_notifications(request: Request, person: MemberForm) -> Response:
    """Save the preferences (notify replaces them whole: the notice types the page does not show are kept)."""
    form = await _form(request)
    caller = await person.api("notify")
    preferences = await caller.get("/v1/me/preferences")
    chosen = {group: form.get(f"channels_{group}", []) for group in rules.NOTICE_GROUPS}
    start, end = _one(form, "quiet_start").strip(), _one(form, "quiet_end").strip()
    quiet_start, quiet_end = rules.parse_time(start), rules.parse_time(end)
    problems = {}
    if (start or end) and quiet_start is None:
        problems["quiet_start"] = "quiet_start"
    if (start or end) and quiet_end is None:
        problems["quiet_end"] = "quiet_end"
    language = _one(form, "language")
    if language not in ("", *rules.LANGUAGES):
        problems["language"] = "language"
    if problems:
        return _notifications_page(request, preferences, form, problems, status_code=422)
    body = {
        "language": language or None,
        "channels": rules.with_group_channels(preferences.get("channels") or {}, chosen),
        "quiet_hours": {"start": quiet_start, "end": quiet_end} if quiet_start and quiet_end else None,
    }
    try:
        await caller.put("/v1/me/preferences", body)
    except Refused as refused:
        if refused.status not in (400, 422):
            raise
        problems = _problems(refused, NOTIFY_FIELDS, "quiet_start")
        return _notifications_page(request, preferences, form, problems, status_code=422)
    return _saved("/settings/notifications", "notifications")


def _notifications_page(request: Request, preferences: dict[str, Any], form: dict[str, list[str]],
                        problems: dict[str, str], *, status: str | None = None,
                        status_code: int = 200) -> HTMLResponse:  # fmt: skip
    channels = preferences.get("channels") or {}
    quiet = preferences.get("quiet_hours") or {}
    values = {
        "groups": {
            group: form.get(f"channels_{group}", []) if form else rules.group_channels(channels, group)
            for group in rules.NOTICE_GROUPS
        },  # fmt: skip
        "quiet_start": _one(form, "quiet_start") if form else (quiet.get("start") or "")[:5],
        "quiet_end": _one(form, "quiet_end") if form else (quiet.get("end") or "")[:5],
        "language": _one(form, "language") if form else (preferences.get("language") or ""),
    }
    with i18n.speaking(_language(request)):
        context = {
            "errors": _worded(problems),
            "values": values,
            "groups": [(key, _t(name), _t(hint)) for key, (name, hint) in GROUP_NAMES.items()],
            "channels": [(key, _t(name)) for key, name in CHANNEL_NAMES.items()],
            "language_options": [("", _t(N_("The first language in my profile")))]
            + [(key, _t(name)) for key, name in LANGUAGE_NAMES.items()],
            "status": _t(status) if status else None,
        }
    return render(request, "settings_notifications.html", context, status_code=status_code)


# --- Calendar feed ------------------------------------------------------------------------------------------------


@router.get("/settings/calendar", response_class=HTMLResponse)
@router.get("/innstillinger/kalender", response_class=HTMLResponse)
async def calendar_feed(request: Request, person: MemberPage) -> Response:
    """Whether the member has a calendar link, since when; to make one, a new one, or turn it off."""
    feed = await (await person.api("notify")).get("/v1/me/calendar-feed")
    return _calendar_page(request, feed, status=_done(request))


@router.post("/settings/calendar/rotate", response_class=HTMLResponse)
async def rotate_feed(request: Request, person: MemberForm) -> Response:
    """A new calendar link, shown once (notify keeps only its hash). When there is one already, the member is
    first told the old link will stop working, and confirms."""
    form = await _form(request)
    caller = await person.api("notify")
    feed = await caller.get("/v1/me/calendar-feed")
    if feed.get("exists") and _one(form, "confirm") != "yes":
        return _calendar_page(request, feed, confirm="rotate")
    link = await caller.post("/v1/me/calendar-feed/rotate")
    with i18n.speaking(_language(request)):
        status = _t(N_("Your new calendar link is ready. Add it to your calendar now: it is shown only once."))
    return _calendar_page(request, {"exists": True, "created_at": link.get("created_at")}, link=link, status=status)


@router.post("/settings/calendar/revoke", response_class=HTMLResponse)
async def revoke_feed(request: Request, person: MemberForm) -> Response:
    """Turn the calendar link off (after the member confirms)."""
    form = await _form(request)
    caller = await person.api("notify")
    if _one(form, "confirm") != "yes":
        feed = await caller.get("/v1/me/calendar-feed")
        return _calendar_page(request, feed, confirm="revoke")
    await caller.delete("/v1/me/calendar-feed")
    return _saved("/settings/calendar", "revoked")


def _calendar_page(request: Request, feed: dict[str, Any], *, link: dict[str, Any] | None = None,
                   confirm: str | None = None, status: str | None = None) -> HTMLResponse:  # fmt: skip
    created = feed.get("created_at")
    since = datetime.fromisoformat(created) if isinstance(created, str) else None
    with i18n.speaking(_language(request)):
        context = {"feed": feed, "since": since, "link": link, "confirm": confirm,
                   "status": _t(status) if status else None}  # fmt: skip
    return render(request, "settings_calendar.html", context)
