"""Pupils' voice: the team shows its visit's survey, pupils answer without signing in, results are read in
aggregate."""

from dataclasses import dataclass

from booking.domain.survey import (
    AlreadyAnswered,
    Answer,
    Survey,
    Tally,
    cookie_hash,
    new_code,
    new_cookie,
    normalised_code,
)
from booking.service_layer.unit_of_work import BookingUnit, load_visible
from outreach_shared.auth import Principal
from outreach_shared.errors import Conflict, Forbidden, NotFound

CODE_ATTEMPTS = 5
"""New codes tried when one is taken already (with 31^10 codes, a second try is already unheard of)."""


@dataclass(frozen=True)
class PupilsView:
    """The survey as a pupil opens it, and whether this browser has answered it."""

    survey: Survey
    answered: bool


@dataclass(frozen=True)
class Answered:
    """A stored answer and the cookie value that stops a second one (only its hash is kept)."""

    survey: Survey
    cookie: str


async def survey_for(uow: BookingUnit, visit_id: str, *, caller: Principal) -> Survey:
    """The confirmed visit's survey, given its code the first time: for its team and the organisers. A visit
    confirmed once and since cancelled or rescheduled keeps its code, closed (no window) until confirmed again."""
    visit = await load_visible(uow, visit_id, caller)
    if caller.role == "school":
        raise Forbidden("the visit's team shows the survey to the pupils; the school reads its results")
    if not visit.ever_confirmed:
        raise Conflict(f"only a confirmed visit has a pupils' survey; this one is {visit.status}")
    for _ in range(CODE_ATTEMPTS):
        code = await uow.surveys.code_of(visit.id)
        if code is not None:
            return Survey.of(visit, code)
        await uow.surveys.add(visit.id, new_code(), at=uow.now)
    raise Conflict("no free survey code was found; try again")


async def open_survey(uow: BookingUnit, code: str, *, cookie: str | None) -> PupilsView:
    """The survey a pupil opens by its code, if it is open now."""
    survey = await _survey(uow, code)
    survey.check_open(uow.now)
    answered = cookie is not None and await uow.surveys.answered(survey.visit_id, cookie_hash(cookie))
    return PupilsView(survey, answered)


async def answer(uow: BookingUnit, code: str, given: Answer, *, cookie: str | None) -> Answered:
    """Store a pupil's answer: while the survey is open, once per browser, up to the survey's cap."""
    survey = await _survey(uow, code, for_update=True)
    survey.check_open(uow.now)
    if cookie is not None and await uow.surveys.answered(survey.visit_id, cookie_hash(cookie)):
        raise AlreadyAnswered("this survey has been answered from this browser already")
    survey.check_room(await uow.surveys.count(survey.visit_id))
    value = new_cookie()
    await uow.surveys.add_answer(survey.visit_id, given, cookie_hash=cookie_hash(value))
    return Answered(survey, value)


async def results(uow: BookingUnit, visit_id: str, *, caller: Principal) -> Tally:
    """The visit's answers counted (shown from five answers up): for its team, its school and the organisers."""
    visit = await load_visible(uow, visit_id, caller)
    return await uow.surveys.tally(visit.id)


async def _survey(uow: BookingUnit, given: str, *, for_update: bool = False) -> Survey:
    code = normalised_code(given)
    visit_id = code and await uow.surveys.visit_of(code, for_update=for_update)
    visit = visit_id and await uow.visits.get(visit_id)
    if not code or not visit:
        raise NotFound("no survey has this code")
    return Survey.of(visit, code)
