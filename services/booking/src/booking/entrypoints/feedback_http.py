"""Feedback links: a school rates its completed visit without signing in, through the link mailed to it."""

from typing import Annotated

from fastapi import APIRouter, Path

from booking.domain.feedback import TOKEN_PATTERN
from booking.entrypoints.dependencies import BookingBegin
from booking.entrypoints.schemas import FeedbackIn, FeedbackOut
from booking.service_layer import feedback
from outreach_shared.http import problem_response

Token = Annotated[
    str,
    Path(
        min_length=45, max_length=444, pattern=TOKEN_PATTERN,
        description="The token of the link mailed to the school (`{app}/feedback/{token}`)",
    ),
]  # fmt: skip
NOT_FOUND = problem_response(404, "Not a genuine feedback link (mistyped, cut short or tampered with)")
GONE = problem_response(410, "The link was genuine, but its 30 days are over")
router = APIRouter(prefix="/v1", tags=["feedback"], responses={404: NOT_FOUND, 410: GONE})


@router.get("/feedback/{token}", response_model=FeedbackOut, summary="What a feedback link rates")
async def show(token: Token, begin: BookingBegin) -> FeedbackOut:
    """No sign-in: the link is the credential, for this visit and this purpose only, for 30 days after the visit
    was completed. A link already answered shows `answered: true` and the rating given."""
    async with begin() as uow:
        view = await feedback.open_link(uow, token)
    return FeedbackOut.of(view)


@router.post(
    "/feedback/{token}",
    response_model=FeedbackOut,
    responses={409: problem_response(409, "The visit has been rated already: the first answer stands")},
    summary="Rate the visit through its feedback link",
)
async def give(token: Token, body: FeedbackIn, begin: BookingBegin) -> FeedbackOut:
    """The school's rating (1–5) and optional comment. Once per visit: a second answer (by the link or signed
    in) is refused with 409 and the first stands. No reminder follows an answer."""
    async with begin() as uow:
        view = await feedback.answer(uow, token, score=body.rating, comment=body.comment)
    return FeedbackOut.of(view)
