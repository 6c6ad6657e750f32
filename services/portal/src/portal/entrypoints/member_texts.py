"""The words of the members' pages kept in Python: names of kinds and professions, what just happened, and what is
wrong with a form's field (message ids, translated where they are shown)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request

from portal import i18n
from portal.adapters.service_apis import Refused
from portal.entrypoints.pages import page_language
from portal.i18n import N_

KINDS = {"school_visit": N_("School visit"), "education_fair": N_("Education fair"),
         "career_day": N_("Career day"), "digital_visit": N_("Digital visit")}  # fmt: skip
PROFESSIONS = {"nurse": N_("nurse"), "health_worker": N_("health worker")}
DONE = {
    "accepted": N_("You said yes to the visit."),
    "declined": N_("You said no to the visit."),
    "late": N_("Your answer could not be given: the offer had already been answered or had run out."),
    "withdrawn": N_("You have withdrawn from the visit."),
    "reported": N_("Thank you! The visit is reported."),
    "read": N_("The message is marked as read."),
}
"""Status messages by the `done` a page was sent to with after a form."""
Done = Annotated[str | None, Query(description="What just happened: a message to show (others are ignored)")]
PROBLEMS = {
    "missing": N_("Fill this in"),
    "control": N_("Remove the special characters"),
    "too_long": N_("Make it shorter"),
    "not_a_number": N_("Write a whole number, like 25"),
    "too_many": N_("Write a number up to 10 000"),
    "invalid": N_("Check this"),
}
"""What is wrong with a field, by the problem member_forms found (or `invalid`: the service refused it)."""


def texts() -> dict[str, Any]:
    """The names every member page may show, and `clock` (an instant's time of day in Oslo), for its template."""
    return {"kinds": KINDS, "professions": PROFESSIONS, "clock": clock}


def clock(moment: datetime) -> str:
    """'14:30': when a visit ends, in Oslo (the day is written with its start)."""
    return moment.astimezone(i18n.OSLO).strftime("%H:%M")


def field_problems(refused: Refused, *fields: str) -> dict[str, str]:
    """The fields of the form a service's refusal names (`invalid`); the first field when it names none of them."""
    named = {field for field in fields for given in refused.fields if given.split(".")[-1] == field}
    return dict.fromkeys(named or set(fields[:1]), "invalid")


def explained(request: Request, errors: dict[str, str] | None) -> tuple[i18n.Lang, dict[str, str]]:
    """The page's language, and each field's problem in it (for the error summary and beside the field)."""
    lang = page_language(request)
    with i18n.speaking(lang):
        return lang, {field: i18n.gettext(PROBLEMS[problem]) for field, problem in (errors or {}).items()}
