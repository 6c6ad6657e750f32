"""Dates, visit kinds and lists written the way each language writes them (Europe/Oslo time)."""

from datetime import datetime

from notify.domain.channels import OSLO

LANGUAGES = ("nb", "nn", "en")

_WEEKDAYS = {
    "nb": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "nn": ["måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_MONTHS = {
    "nb": [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_MONTHS["nn"] = _MONTHS["nb"]
_KINDS = {
    "nb": {
        "school_visit": "skolebesøk",
        "education_fair": "utdanningsmesse",
        "career_day": "karrieredag",
        "digital_visit": "digitalt besøk",
    },
    "nn": {
        "school_visit": "skulebesøk",
        "education_fair": "utdanningsmesse",
        "career_day": "karrieredag",
        "digital_visit": "digitalt besøk",
    },
    "en": {
        "school_visit": "school visit",
        "education_fair": "education fair",
        "career_day": "career day",
        "digital_visit": "digital visit",
    },
}
_AND = {"nb": "og", "nn": "og", "en": "and"}
_AT = {"nb": "kl.", "nn": "kl.", "en": "at"}


def _parse(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(OSLO)


def day(value: str | datetime, lang: str) -> str:
    """`tirsdag 14. oktober 2025` / `Tuesday 14 October 2025`."""
    d = _parse(value)
    weekday, month = _WEEKDAYS[lang][d.weekday()], _MONTHS[lang][d.month - 1]
    if lang == "en":
        return f"{weekday} {d.day} {month} {d.year}"
    return f"{weekday} {d.day}. {month} {d.year}"


def clock(value: str | datetime) -> str:
    """`09:30` in Oslo time."""
    return _parse(value).strftime("%H:%M")


def when(value: str | datetime, lang: str) -> str:
    """`tirsdag 14. oktober 2025 kl. 09:30` / `Tuesday 14 October 2025 at 09:30`."""
    return f"{day(value, lang)} {_AT[lang]} {clock(value)}"


def kind_label(kind: str | None, lang: str) -> str:
    """The visit kind in words (a plain `besøk`/`visit` when unknown)."""
    fallback = "visit" if lang == "en" else "besøk"
    return _KINDS[lang].get(kind or "", fallback)


def names(items: list[str], lang: str) -> str:
    """`Kari, Ola og Aisha` / `Kari, Ola and Aisha`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_AND[lang]} {items[-1]}"
