"""Request bodies and response models of the pupils' survey (entrypoints/surveys.py); times in Europe/Oslo."""

from datetime import datetime

from pydantic import BaseModel, Field

from booking.adapters.qr import qr_svg
from booking.domain.survey import Good, Imagine, Learned, Survey, Tally
from booking.domain.survey_texts import questions
from booking.domain.times import in_oslo
from booking.entrypoints.schemas import Body
from booking.service_layer.surveys import PupilsView
from outreach_shared.contracts.common import Language


class AnswerIn(Body):
    """One pupil's answers to the three questions; nothing else is asked or kept."""

    imagine: Imagine = Field(description="Could you imagine working in health care?")
    learned: Learned = Field(description="Did you learn something new about the job?")
    good: Good = Field(description="Was the visit good? (three steps: yes / ok / no)")


class SurveyOut(BaseModel):
    """The visit's survey as its team shows it: the code, the link and the link as a QR code."""

    code: str = Field(description="10 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    url: str = Field(description="The page pupils open: {app}/s/{code}")
    opens_at: datetime | None = Field(description="The visit's start")
    closes_at: datetime | None = Field(description="7 days after the visit's end")
    qr_svg: str = Field(description="The url as a QR code, an inline <svg> element")

    @classmethod
    def of(cls, survey: Survey, app_url: str) -> "SurveyOut":
        """The survey with its link under the web app's address."""
        url = f"{app_url}/s/{survey.code}"
        return cls(code=survey.code, url=url, opens_at=survey.opens_at and in_oslo(survey.opens_at),
                   closes_at=survey.closes_at and in_oslo(survey.closes_at), qr_svg=qr_svg(url))  # fmt: skip


class OptionOut(BaseModel):
    """An answer a pupil may choose: the value to send and its label."""

    value: str
    label: str


class QuestionOut(BaseModel):
    """A question: `id` is the field of the answer body."""

    id: str
    text: str
    options: list[OptionOut]


class PupilsSurveyOut(BaseModel):
    """The survey as a pupil opens it, in the visit's language."""

    code: str
    language: Language
    closes_at: datetime | None
    answered: bool = Field(description="Whether this browser has answered already (its cookie)")
    questions: list[QuestionOut]

    @classmethod
    def of(cls, view: PupilsView) -> "PupilsSurveyOut":
        """The questions in the survey's language."""
        s = view.survey
        shown = [QuestionOut(id=q.id, text=q.text, options=[OptionOut(value=v, label=label) for v, label in q.options])
                 for q in questions(s.language)]  # fmt: skip
        return cls(code=s.code, language=s.language, closes_at=s.closes_at and in_oslo(s.closes_at),
                   answered=view.answered, questions=shown)  # fmt: skip


class AnsweredOut(BaseModel):
    """The answer was stored."""

    answered: bool = True


class SurveyResultsOut(BaseModel):
    """A visit's answers counted per option, shown only from 5 answers up; below, only how many there are."""

    answers: int
    shown: bool
    imagine: dict[str, int] | None = None
    learned: dict[str, int] | None = None
    good: dict[str, int] | None = None
    share_imagine_yes: float | None = Field(default=None, description="Answers 'yes' to 'could you imagine working "
                                            "in health care?' over all answers")  # fmt: skip

    @classmethod
    def of(cls, tally: Tally) -> "SurveyResultsOut":
        """The counts if there are enough of them."""
        if not tally.shown:
            return cls(answers=tally.answers, shown=False)
        return cls(answers=tally.answers, shown=True, imagine=tally.imagine, learned=tally.learned, good=tally.good,
                   share_imagine_yes=tally.share_imagine_yes)  # fmt: skip
