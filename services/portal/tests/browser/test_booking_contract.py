"""The booking these tests play must answer as booking does, and the portal must know booking's questions: checked
against booking's own response models and texts (a test's look across the boundary; the portal's code never
imports booking)."""

import httpx
import pytest
from fake_booking import FakeBooking

from booking.domain.survey_texts import questions
from booking.entrypoints.survey_schemas import AnsweredOut, AnswerIn, PupilsSurveyOut
from portal.entrypoints.survey_pages import TEXTS


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
async def test_fake_booking_answers_as_booking_does(lang: str) -> None:
    fake = FakeBooking()
    code = fake.open_survey(language=lang)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app()), base_url="http://booking") as http:
        opened = PupilsSurveyOut.model_validate((await http.get(f"/v1/surveys/{code}")).json())
        answers = {q.id: q.options[0].value for q in opened.questions}
        AnswerIn.model_validate(answers)
        sent = await http.post(f"/v1/surveys/{code}/answers", json=answers)
        assert sent.status_code == 201 and AnsweredOut.model_validate(sent.json()).answered
    assert [(q.id, [o.value for o in q.options]) for q in opened.questions] == [
        (q.id, [value for value, _ in q.options]) for q in questions(lang)]  # fmt: skip


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_portal_knows_every_question_and_option_booking_asks(lang: str) -> None:
    for question in questions(lang):
        assert question.id in TEXTS
        assert all(value in TEXTS for value, _ in question.options)
    english = {q.id: q.text for q in questions("en")}
    assert all(TEXTS[qid] == text for qid, text in english.items())  # the portal's message ids are booking's words
