"""Members' settings as the forms see them: quick picks for a holiday, what a form field may hold, which form field
a service's refusal is about, and notices grouped as a person thinks of them (pure: no I/O, no clock)."""

import calendar
import re
from datetime import date, timedelta
from typing import Any, Literal

QuickPick = Literal["next_week", "rest_of_month", "next_two_weeks"]
QUICK_PICKS: tuple[QuickPick, ...] = ("next_week", "next_two_weeks", "rest_of_month")
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)
TIMES_OF_DAY = ("morning", "midday", "afternoon")
LANGUAGES = ("nb", "nn", "en")
CHANNELS = ("email", "sms")
"""The channels a member picks; the inbox in the app always gets every notice."""
NOTICE_GROUPS: dict[str, tuple[str, ...]] = {
    "offers": ("visit_offered", "offer_expired", "offer_withdrawn"),
    "visits": ("visit_confirmed_member", "visit_reminder_member", "member_released", "calendar_feed_changed"),
    "gatherings": (
        "gathering_invitation", "gathering_invitation_reminder", "gathering_registration_confirmed",
        "gathering_waitlisted", "gathering_place_offered", "gathering_place_offer_lapsed", "gathering_reminder",
        "gathering_cancelled", "gathering_registration_withdrawn",
    ),
}  # fmt: skip
"""Notify's notice types for members, in the groups the page offers a choice of channels for."""
DEFAULT_CHANNELS = ("email",)
"""What notify sends on for a notice type the member has not chosen channels for (besides the inbox)."""
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(:00)?")
_NUMBER = re.compile(r"[0-9]{1,6}")


def quick_holiday(pick: str, today: date) -> tuple[date, date] | None:
    """The days of a quick pick, both included: next week (Monday to Sunday), the next two weeks (from tomorrow),
    the rest of this month (from today); None for anything else."""
    if pick == "next_week":
        monday = today + timedelta(days=7 - today.weekday())
        return monday, monday + timedelta(days=6)
    if pick == "next_two_weeks":
        return today + timedelta(days=1), today + timedelta(days=14)
    if pick == "rest_of_month":
        return today, today.replace(day=calendar.monthrange(today.year, today.month)[1])
    return None


def parse_date(text: str) -> date | None:
    """A date as a date field sends it (YYYY-MM-DD), or None."""
    text = text.strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_number(text: str) -> int | None:
    """A whole number of at most six digits (spaces around it allowed), or None."""
    text = text.strip()
    return int(text) if _NUMBER.fullmatch(text) else None


def parse_time(text: str) -> str | None:
    """A time of day as HH:MM (a time field may add ':00'), or None."""
    match = _TIME.fullmatch(text.strip())
    return f"{match.group(1)}:{match.group(2)}" if match else None


def upcoming(ranges: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The ranges away (`{"from", "to", ...}` as ambassadors gives them) that have not ended before today, in order."""
    kept = [r for r in ranges if (parse_date(str(r.get("to", ""))) or date.min) >= today]
    return sorted(kept, key=lambda r: (str(r.get("from")), str(r.get("to"))))


def range_key(away: dict[str, Any]) -> str:
    """The value a remove button carries for one range away: `from/to`."""
    return f"{away.get('from')}/{away.get('to')}"


def without(ranges: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The ranges away but the one `key` names (all of them when it names none)."""
    return [r for r in ranges if range_key(r) != key]


def ordered_languages(chosen: list[str], before: list[str]) -> list[str]:
    """The languages ticked, those the member had first kept in their order (the first is the preferred one)."""
    kept = [lang for lang in before if lang in chosen]
    return kept + [lang for lang in LANGUAGES if lang in chosen and lang not in kept]


def form_field(service_field: str, fields: dict[str, str]) -> str | None:
    """The form field a service's refusal names (`unavailable.0.from` → `unavailable`), if the form has it;
    `fields` maps the services' field names to the form's."""
    head = service_field.split(".")[0]
    return fields.get(service_field) or fields.get(head)


def group_channels(channels: dict[str, list[str]], group: str) -> list[str]:
    """The channels a group of notices goes to now: those of its first notice type (the page sets them alike)."""
    first = NOTICE_GROUPS[group][0]
    return [c for c in channels.get(first, DEFAULT_CHANNELS) if c in CHANNELS]


def with_group_channels(channels: dict[str, list[str]], chosen: dict[str, list[str]]) -> dict[str, list[str]]:
    """The member's channels with each group's notice types set to what was ticked (plus the inbox); other notice
    types are kept as they were."""
    changed = dict(channels)
    for group, picked in chosen.items():
        for notice_type in NOTICE_GROUPS[group]:
            changed[notice_type] = [c for c in CHANNELS if c in picked] + ["inbox"]
    return changed
