"""The pupils' survey (no sign-in, phone first): `/s/{code}` shows three questions, a post sends the answers to
booking, `/s/{code}/takk` thanks. In the visit's language unless the pupil switches; nothing identifies the pupil:
the only thing the browser keeps is booking's random cookie, which stops a second answer from the same phone (the
language travels in the links, so the pupil's own language cookie is left as it was)."""

import re
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal import i18n
from portal.adapters.booking_surveys import COOKIE, Outcome, Survey, SurveyDesk
from portal.entrypoints.pages import render
from portal.entrypoints.security_headers import page_router, secure
from portal.i18n import N_

CODE = re.compile(r"[2-9A-Za-z]{10}")
"""What a survey code can look like (booking checks the rest); anything else never leaves the portal."""
TEXTS = {
    "imagine": N_("Could you imagine working in health care?"),
    "learned": N_("Did you learn something new about what the job is like?"),
    "good": N_("Was the visit good?"),
    "yes": N_("Yes"), "maybe": N_("Maybe"), "no": N_("No"), "ok": N_("OK"),
}  # fmt: skip
"""Booking's questions and options by id, as message ids, so the page can show them in any of its languages."""
REFUSALS: dict[Outcome, tuple[int, str, str]] = {
    "unknown": (404, N_("We could not find this survey"), N_("Check the address, or scan the QR code again.")),
    "closed": (410, N_("This survey is closed"), N_("It opens when the visit starts and closes a week after it.")),
    "already": (409, N_("You have answered already"), N_("Thank you! Each phone can answer once.")),
    "busy": (429, N_("Many are answering right now"), N_("Wait a minute, then try again.")),
    "invalid": (422, N_("Something went wrong with your answers"), N_("Go back and try again.")),
    "answered": (200, N_("Thank you!"), N_("Your answers help us make the visits better.")),
}
"""Why a survey cannot be answered: the status, a heading and what to do, in words a pupil understands."""
COOKIE_DAYS = 14
"""How long the browser keeps booking's cookie: longer than a survey is open (the visit plus 7 days)."""

router = page_router()
Code = Annotated[str, Path(description="The survey's code; anything but 10 letters and digits is not found")]


async def desk(request: Request) -> SurveyDesk:
    """Booking's survey endpoints, as bootstrap wired them."""
    return request.app.state.runtime.ports.surveys


Desk = Annotated[SurveyDesk, Depends(desk)]


@router.get("/s/{code}", response_class=HTMLResponse)
async def survey_page(code: Code, request: Request, surveys: Desk) -> Response:
    """The three questions, or why they cannot be answered."""
    if not CODE.fullmatch(code):
        return _refused(request, "unknown", None)
    opened = await surveys.open(code.upper(), cookie=_cookie(request), forwarded_for=_address(request))
    if opened.survey is None or opened.survey.answered:
        return _refused(request, opened.outcome or "already", opened.survey)
    return _form(request, opened.survey, chosen={}, errors={})


@router.post("/s/{code}", response_class=HTMLResponse)
async def send_answers(code: Code, request: Request, surveys: Desk) -> Response:
    """Check the answers, send them to booking, then thank (303) — or show the form again with what is missing."""
    if not CODE.fullmatch(code):
        return _refused(request, "unknown", None)
    opened = await surveys.open(code.upper(), cookie=_cookie(request), forwarded_for=_address(request))
    if opened.survey is None or opened.survey.answered:
        return _refused(request, opened.outcome or "already", opened.survey)
    survey = opened.survey
    async with request.form(max_files=0, max_fields=10, max_part_size=1024) as form:
        given = {q.id: str(form.get(q.id) or "") for q in survey.questions}
    chosen = {q.id: given[q.id] for q in survey.questions if given[q.id] in dict(q.options)}
    if len(chosen) < len(survey.questions):
        with i18n.speaking(_language(request, survey)):
            errors = {q.id: i18n.gettext("Choose an answer to: %(question)s") % {"question": _text(q.id, q.text)}
                      for q in survey.questions if q.id not in chosen}  # fmt: skip
        return _form(request, survey, chosen=chosen, errors=errors, status_code=422)
    sent = await surveys.answer(survey.code, chosen, cookie=_cookie(request), forwarded_for=_address(request))
    if sent.outcome != "answered":
        return _refused(request, sent.outcome, survey)
    response = RedirectResponse(_here(request, survey, f"/s/{survey.code}/takk"), status_code=303)
    if sent.cookie:
        response.set_cookie(COOKIE, sent.cookie, max_age=COOKIE_DAYS * 24 * 3600, path=f"/s/{survey.code}",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")  # fmt: skip
    return secure(response)


@router.get("/s/{code}/takk", response_class=HTMLResponse)
async def thanks(code: Code, request: Request) -> HTMLResponse:
    """Thanks for answering, in the survey's language (nothing is asked of booking: it says the same to all)."""
    return render(request, "survey_thanks.html", lang=_language(request, None), remember=False)


def _form(request: Request, survey: Survey, *, chosen: dict[str, str], errors: dict[str, str],
          status_code: int = 200) -> HTMLResponse:  # fmt: skip
    lang = _language(request, survey)
    with i18n.speaking(lang):
        questions = [_question(q, survey.language, lang) for q in survey.questions]
    return render(request, "survey.html", {"questions": questions, "chosen": chosen, "errors": errors,
                                           "action": _here(request, survey, f"/s/{survey.code}")},
                  status_code=status_code, lang=lang, remember=False)  # fmt: skip


def _question(question: Any, survey_language: str, lang: str) -> dict[str, Any]:
    """A question in the page's language where the portal knows it, else in booking's words (marked as such)."""
    known = question.id in TEXTS and all(value in TEXTS for value, _ in question.options)
    if known:
        options = [(value, i18n.gettext(TEXTS[value])) for value, _ in question.options]
        return {"id": question.id, "text": i18n.gettext(TEXTS[question.id]), "options": options, "lang": None}
    return {"id": question.id, "text": question.text, "options": list(question.options),
            "lang": survey_language if survey_language != lang else None}  # fmt: skip


def _text(question_id: str, fallback: str) -> str:
    return i18n.gettext(TEXTS[question_id]) if question_id in TEXTS else fallback


def _refused(request: Request, outcome: Outcome, survey: Survey | None) -> HTMLResponse:
    """Why the survey cannot be answered, in words a pupil understands."""
    lang = _language(request, survey)
    status, heading, message = REFUSALS[outcome]
    with i18n.speaking(lang):
        context = {"heading": i18n.gettext(heading), "message": i18n.gettext(message)}
    return render(request, "survey_closed.html", context, status_code=status, lang=lang, remember=False)


def _language(request: Request, survey: Survey | None) -> i18n.Lang:
    """The pupil's pick (`?lang=`), else the visit's language, else the page's usual choice."""
    asked = i18n.known(request.query_params.get("lang"))
    return (
        asked
        or (i18n.known(survey.language) if survey else None)
        or i18n.choose(asked=None, cookie=None, setting=None, accept_language=request.headers.get("accept-language"))
    )


def _here(request: Request, survey: Survey, path: str) -> str:
    """`path` in the language the survey is shown in (the visit's, or the pupil's pick)."""
    return f"{path}?lang={_language(request, survey)}"


def _cookie(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and len(value) <= 100 and value.isascii() and value.isprintable() else None


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None
