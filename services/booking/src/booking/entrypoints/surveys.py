"""The pupils' survey over HTTP: the team's code and QR, pupils' answers without sign-in, results in aggregate."""

import hashlib
import hmac
import re
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, HTTPException, Path, Request, Response

from booking.domain.survey import OPEN_AFTER_VISIT, Answer
from booking.entrypoints.dependencies import BookingBegin, RateLimitedCaller, ports_of, runtime_of, settings_of
from booking.entrypoints.survey_schemas import AnsweredOut, AnswerIn, PupilsSurveyOut, SurveyOut, SurveyResultsOut
from booking.service_layer import surveys
from outreach_shared.http import problem_response

COOKIE = "outreach_survey"
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{20,64}")
_ADDRESS_SALT = secrets.token_bytes(16)
"""Addresses are counted under a keyed hash that changes with every start: never stored, logged or kept raw."""

TOO_MANY = problem_response(
    429, "Too many requests from this address; wait for Retry-After seconds",
    headers={"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
)  # fmt: skip
CLOSED = problem_response(410, "The survey is closed: the visit has not started, ended over 7 days ago or is off")
router = APIRouter(prefix="/v1", tags=["surveys"])
Code = Annotated[str, Path(min_length=1, max_length=64, description="The survey's code (10 characters; any case)")]
SurveyCookie = Annotated[str | None, Cookie(alias=COOKIE, include_in_schema=False)]


def app_url(request: Request) -> str:
    """The web app's address, which survey links point to."""
    return settings_of(runtime_of(request)).app_base_url


async def pupil(request: Request) -> None:
    """Hold one address (a whole class behind one, so generously) to its survey requests per minute (429)."""
    limiter = ports_of(runtime_of(request)).survey_limiter
    if limiter is None:
        return
    address = request.client.host if request.client else ""
    key = hmac.new(_ADDRESS_SALT, address.encode(), hashlib.sha256).hexdigest()
    wait = limiter.retry_after(key, time.monotonic())
    if wait is not None:
        raise HTTPException(429, "Too many requests", headers={"Retry-After": str(wait)})


def presented(cookie: str | None) -> str | None:
    """The survey cookie's value if it is one this service could have set; anything else is ignored."""
    return cookie if cookie and _COOKIE_VALUE.fullmatch(cookie) else None


@router.get("/visit-requests/{visit_id}/survey", response_model=SurveyOut, summary="The visit's pupils' survey")
async def get_survey(visit_id: str, caller: RateLimitedCaller, begin: BookingBegin, request: Request) -> SurveyOut:
    """The visit's team (and organisers) show pupils this link and QR code at the end of a confirmed visit. The
    survey is open from the visit's start to 7 days after its end; the code stays the same. A visit never confirmed:
    409; one cancelled or rescheduled since: its code with no window (closed until confirmed again). Schools: 403."""
    async with begin() as uow:
        survey = await surveys.survey_for(uow, visit_id, caller=caller)
    return SurveyOut.of(survey, app_url(request))


@router.get("/visit-requests/{visit_id}/survey/results", response_model=SurveyResultsOut,
            response_model_exclude_none=True, summary="The pupils' answers, counted")  # fmt: skip
async def get_results(visit_id: str, caller: RateLimitedCaller, begin: BookingBegin) -> SurveyResultsOut:
    """For the team, the school and organisers: counts per answer from 5 answers up; below, `{answers, shown:
    false}` only."""
    async with begin() as uow:
        tally = await surveys.results(uow, visit_id, caller=caller)
    return SurveyResultsOut.of(tally)


@router.get("/surveys/{code}", response_model=PupilsSurveyOut, summary="Open a survey (pupils, no sign-in)",
            responses={410: CLOSED, 429: TOO_MANY}, dependencies=[Depends(pupil)])  # fmt: skip
async def open_survey(code: Code, begin: BookingBegin, cookie: SurveyCookie = None) -> PupilsSurveyOut:
    """The three questions in the visit's language. Unknown code: 404; closed: 410."""
    async with begin() as uow:
        view = await surveys.open_survey(uow, code, cookie=presented(cookie))
    return PupilsSurveyOut.of(view)


@router.post("/surveys/{code}/answers", status_code=201, response_model=AnsweredOut,
             summary="Answer a survey (pupils, no sign-in)", dependencies=[Depends(pupil)],
             responses={409: problem_response(409, "Answered from this browser already, or the survey is full"),
                        410: CLOSED, 429: TOO_MANY})  # fmt: skip
async def answer(code: Code, body: AnswerIn, begin: BookingBegin, request: Request, response: Response,
                 cookie: SurveyCookie = None) -> AnsweredOut:  # fmt: skip
    """Store one pupil's answers, at most ceil(1.2 × pupils registered) per survey (then 409). Sets one cookie (a
    random value, only its hash kept, HttpOnly, SameSite=Strict, this survey's path, 7 days) so that the same
    browser cannot answer twice (409); no address or other personal data is kept."""
    given = Answer(imagine=body.imagine, learned=body.learned, good=body.good)
    async with begin() as uow:
        done = await surveys.answer(uow, code, given, cookie=presented(cookie))
    response.set_cookie(COOKIE, done.cookie, max_age=int(OPEN_AFTER_VISIT.total_seconds()), path=f"/v1/surveys/{code}",
                        httponly=True, samesite="strict", secure=app_url(request).startswith("https://"))  # fmt: skip
    return AnsweredOut()
