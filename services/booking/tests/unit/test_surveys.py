"""Pupils' survey: its rules (code, window, cap, threshold) and its use cases on a unit of work in memory."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from booking_fakes import FakeContacts, FakeVisits

from booking.domain.model import Visit
from booking.domain.survey import (
    CODE_ALPHABET,
    CODE_LENGTH,
    AlreadyAnswered,
    Answer,
    SurveyClosed,
    SurveyFull,
    SurveyRow,
    Tally,
    answer_cap,
    cookie_hash,
    new_code,
    normalised_code,
    tally_surveys,
)
from booking.domain.survey_texts import questions
from booking.domain.values import School, VisitDetails
from booking.service_layer import surveys
from booking.service_layer.unit_of_work import BookingUnit
from outreach_dev.testing.fakes import emitted, in_memory
from outreach_shared.auth import Principal
from outreach_shared.contracts.common import TeamMember, TimeWindow
from outreach_shared.errors import Conflict, Forbidden, NotFound
from outreach_shared.regions import Region

NOW = datetime(2027, 3, 1, 8, tzinfo=UTC)
ORGNR = "974760673"
SLOT = TimeWindow(start=datetime(2027, 3, 15, 8, tzinfo=UTC), end=datetime(2027, 3, 15, 10, tzinfo=UTC))
KARI = "11111111-1111-4111-8111-111111111111"
TEAM_MEMBER = Principal(role="member", subject=KARI, member_id=KARI)
STRANGER = Principal(role="member", subject="s", member_id="55555555-5555-4555-8555-555555555555")
SCHOOL = Principal(role="school", subject=ORGNR, orgnr=ORGNR)
OTHER_SCHOOL = Principal(role="school", subject="920123456", orgnr="920123456")
ORGANISER = Principal(role="organiser", subject="org")
OSLO_ORGANISER = Principal(role="organiser", subject="org", region=Region.of(fylker=["03"]))
TRONDHEIM_ORGANISER = Principal(role="organiser", subject="org", region=Region.of(kommuner=["5001"]))
YES = Answer(imagine="yes", learned="yes", good="yes")


@dataclass
class FakeSurveys:
    """Survey codes and answers in memory, as the survey tables hold them."""

    codes: dict[str, str] = field(default_factory=dict)
    answers: list[tuple[str, Answer, str]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    """Codes another visit holds (to make the first tries collide)."""

    async def code_of(self, visit_id: str) -> str | None:
        return self.codes.get(visit_id)

    async def add(self, visit_id: str, code: str, *, at: datetime) -> None:
        if visit_id not in self.codes and code not in self.taken and code not in self.codes.values():
            self.codes[visit_id] = code

    async def visit_of(self, code: str, *, for_update: bool = False) -> str | None:
        return next((v for v, c in self.codes.items() if c == code), None)

    async def count(self, visit_id: str) -> int:
        return sum(v == visit_id for v, _, _ in self.answers)

    async def answered(self, visit_id: str, cookie_hash: str) -> bool:
        return (visit_id, cookie_hash) in {(v, h) for v, _, h in self.answers}

    async def add_answer(self, visit_id: str, answer: Answer, *, cookie_hash: str) -> None:
        self.answers.append((visit_id, answer, cookie_hash))

    async def tally(self, visit_id: str) -> Tally:
        tally = Tally()
        for v, a, _ in self.answers:
            if v == visit_id:
                tally.answers += 1
                tally.imagine[a.imagine] += 1
                tally.learned[a.learned] += 1
                tally.good[a.good] += 1
        return tally


def confirmed(visit_id: str = "v1", *, pupils: int = 60, language: str = "nb") -> Visit:
    details = VisitDetails("school_visit", "10. trinn", pupils, ("nurse",), language, 1)  # type: ignore[arg-type]
    visit = Visit.request(id=visit_id, school=School(ORGNR, "Byskolen", "0301", "Skolegata 1"), details=details,
                          windows=[TimeWindow(start=SLOT.start, end=SLOT.end + timedelta(hours=6))],
                          now=NOW - timedelta(days=10))  # fmt: skip
    visit.confirm_team(SLOT, [TeamMember(member_id=KARI, first_name="Kari", profession="nurse")], NOW)
    visit.events.clear()
    return visit


def unit(*visits: Visit, now: datetime = NOW, codes: FakeSurveys | None = None) -> BookingUnit:
    return in_memory(BookingUnit, now=now, visits=FakeVisits(*visits), contacts=FakeContacts(),
                     surveys=codes or FakeSurveys())  # fmt: skip


def later(uow: BookingUnit, when: datetime) -> BookingUnit:
    """The same fakes, a transaction at `when`."""
    return in_memory(BookingUnit, now=when, visits=uow.visits, contacts=uow.contacts, surveys=uow.surveys)


# --- the rules ------------------------------------------------------------------------------------------


def test_codes_are_ten_characters_of_an_alphabet_without_look_alikes() -> None:
    assert len(CODE_ALPHABET) == 31 and not set("01OIL") & set(CODE_ALPHABET)
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500 and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)


@pytest.mark.parametrize("given", ["", "ABC", "A" * 11, "ABCDEFGH0O", "ABCDEFGH2\x00", "ÅBCDEFGH23", "x" * 10_240])
def test_what_cannot_be_a_code_is_refused_before_any_lookup(given: str) -> None:
    assert normalised_code(given) is None


def test_a_code_is_read_in_any_case() -> None:
    assert normalised_code("abcdefgh23") == "ABCDEFGH23"


@pytest.mark.parametrize(("pupils", "cap"), [(1, 2), (3, 4), (5, 6), (10, 12), (25, 30), (5000, 6000)])
def test_the_cap_is_1_2_answers_per_pupil_rounded_up(pupils: int, cap: int) -> None:
    assert answer_cap(pupils) == cap


def test_results_are_shown_from_five_answers() -> None:
    assert not Tally(answers=4).shown and Tally(answers=5).shown


def test_the_questions_are_asked_in_the_visits_language() -> None:
    for language, first in (("nb", "Ja"), ("nn", "Ja"), ("en", "Yes")):
        asked = questions(language)  # type: ignore[arg-type]
        assert [q.id for q in asked] == ["imagine", "learned", "good"]
        assert [o for o, _ in asked[0].options] == ["yes", "maybe", "no"] and asked[0].options[0][1] == first
        assert [o for o, _ in asked[2].options] == ["yes", "ok", "no"]
    assert questions("nn")[0].text != questions("nb")[0].text


def test_figures_group_by_municipality_county_and_school_year() -> None:
    def row(knr: str, year: int, yes: int, no: int) -> SurveyRow:
        tally = Tally(answers=yes + no, imagine={"yes": yes, "maybe": 0, "no": no})
        county = knr[:2]
        return SurveyRow(knr, f"K{knr}", county, f"F{county}", datetime(year, 10, 1, tzinfo=UTC), tally)

    figures = tally_surveys([row("0301", 2027, 3, 1), row("0301", 2028, 2, 0), row("4601", 2027, 1, 0)])
    assert (figures.total.answers, figures.total.imagine["yes"]) == (7, 6)
    assert figures.by_municipality[("0301", "K0301")].answers == 6
    assert figures.by_county[("46", "F46")].answers == 1 and not figures.by_county[("46", "F46")].shown
    assert {y: t.answers for y, t in figures.by_school_year.items()} == {"2027/28": 5, "2028/29": 2}
    assert figures.by_school_year["2027/28"].share_imagine_yes == 0.8


# --- the team's survey ----------------------------------------------------------------------------------


async def test_the_team_gets_one_stable_code_open_from_the_start_to_a_week_after_the_end() -> None:
    uow = unit(confirmed())
    survey = await surveys.survey_for(uow, "v1", caller=TEAM_MEMBER)
    assert (survey.opens_at, survey.closes_at) == (SLOT.start, SLOT.end + timedelta(days=7))
    assert (await surveys.survey_for(uow, "v1", caller=ORGANISER)).code == survey.code
    assert (await surveys.survey_for(uow, "v1", caller=OSLO_ORGANISER)).code == survey.code
    assert emitted(uow) == []  # the answers are booking's own data: no event


async def test_a_code_taken_already_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["TAKEN2345A", "FRESH2345A"])
    monkeypatch.setattr(surveys, "new_code", lambda: next(drawn))
    uow = unit(confirmed(), codes=FakeSurveys(taken={"TAKEN2345A"}))
    assert (await surveys.survey_for(uow, "v1", caller=TEAM_MEMBER)).code == "FRESH2345A"


@pytest.mark.parametrize("caller", [STRANGER, OTHER_SCHOOL, TRONDHEIM_ORGANISER])
async def test_nobody_but_the_team_and_the_regions_organisers_learns_the_code(caller: Principal) -> None:
    uow = unit(confirmed())
    with pytest.raises(NotFound):
        await surveys.survey_for(uow, "v1", caller=caller)
    with pytest.raises(NotFound):
        await surveys.results(uow, "v1", caller=caller)
    assert uow.surveys.codes == {}  # type: ignore[attr-defined]


async def test_the_school_reads_the_results_but_does_not_show_the_survey() -> None:
    uow = unit(confirmed())
    with pytest.raises(Forbidden):
        await surveys.survey_for(uow, "v1", caller=SCHOOL)
    assert (await surveys.results(uow, "v1", caller=SCHOOL)).answers == 0


async def test_a_visit_never_confirmed_has_no_survey_and_a_cancelled_one_a_closed_survey() -> None:
    never = confirmed()
    never.ever_confirmed, never.status, never.scheduled = False, "requested", None
    with pytest.raises(Conflict):
        await surveys.survey_for(unit(never), "v1", caller=ORGANISER)
    cancelled = confirmed()
    cancelled.cancel(reason="sick", by="school", now=NOW)
    survey = await surveys.survey_for(unit(cancelled), "v1", caller=TEAM_MEMBER)
    assert (survey.opens_at, survey.closes_at, survey.is_open(SLOT.start)) == (None, None, False)


# --- pupils' answers ------------------------------------------------------------------------------------


async def opened(visit: Visit | None = None) -> tuple[BookingUnit, str]:
    uow = unit(visit or confirmed())
    return uow, (await surveys.survey_for(uow, "v1", caller=TEAM_MEMBER)).code


async def test_the_survey_is_open_from_the_visits_start_until_seven_days_after_its_end() -> None:
    uow, code = await opened()
    closes = SLOT.end + timedelta(days=7)
    for when in (SLOT.start - timedelta(seconds=1), closes):
        with pytest.raises(SurveyClosed) as closed:
            await surveys.open_survey(later(uow, when), code, cookie=None)
        assert closed.value.status == 410
        with pytest.raises(SurveyClosed):
            await surveys.answer(later(uow, when), code, YES, cookie=None)
    for when in (SLOT.start, closes - timedelta(seconds=1)):
        view = await surveys.open_survey(later(uow, when), code.lower(), cookie=None)
        assert (view.survey.language, view.answered) == ("nb", False)
        await surveys.answer(later(uow, when), code, YES, cookie=None)


async def test_a_cancelled_visits_survey_is_closed() -> None:
    uow, code = await opened()
    visit = uow.visits.saved["v1"]  # type: ignore[attr-defined]
    visit.cancel(reason="sick", by="school", now=NOW)
    with pytest.raises(SurveyClosed):
        await surveys.answer(later(uow, SLOT.start), code, YES, cookie=None)


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "nope", "ABCDEFGH2\x00", "x" * 10_240])
async def test_an_unknown_code_is_not_found(code: str) -> None:
    uow, _ = await opened()
    with pytest.raises(NotFound):
        await surveys.open_survey(later(uow, SLOT.start), code, cookie=None)
    with pytest.raises(NotFound):
        await surveys.answer(later(uow, SLOT.start), code, YES, cookie=None)


async def test_only_the_hash_of_the_cookie_is_kept_and_it_stops_a_second_answer() -> None:
    uow, code = await opened()
    first = await surveys.answer(later(uow, SLOT.end), code, YES, cookie=None)
    ((visit_id, answer, stored),) = uow.surveys.answers  # type: ignore[attr-defined]
    assert (visit_id, answer) == ("v1", YES)
    assert stored == cookie_hash(first.cookie) and first.cookie not in stored and len(first.cookie) >= 40
    with pytest.raises(AlreadyAnswered) as again:
        await surveys.answer(later(uow, SLOT.end), code, YES, cookie=first.cookie)
    assert again.value.status == 409
    assert (await surveys.open_survey(later(uow, SLOT.end), code, cookie=first.cookie)).answered
    other = await surveys.answer(later(uow, SLOT.end), code, YES, cookie="an-unknown-cookie-value-xyz")
    assert other.cookie != first.cookie and len(uow.surveys.answers) == 2  # type: ignore[attr-defined]


async def test_the_survey_takes_at_most_1_2_answers_per_pupil() -> None:
    uow, code = await opened(confirmed(pupils=5))
    for _ in range(6):
        await surveys.answer(later(uow, SLOT.end), code, YES, cookie=None)
    with pytest.raises(SurveyFull) as full:
        await surveys.answer(later(uow, SLOT.end), code, YES, cookie=None)
    assert full.value.status == 409 and "full" in full.value.detail
    assert len(uow.surveys.answers) == 6  # type: ignore[attr-defined]


async def test_results_are_hidden_at_four_answers_and_shown_at_five() -> None:
    uow, code = await opened()
    mixed = [YES, Answer("maybe", "no", "ok"), Answer("no", "yes", "no"), YES, Answer("maybe", "yes", "yes")]
    for i, given in enumerate(mixed):
        await surveys.answer(later(uow, SLOT.end), code, given, cookie=None)
        tally = await surveys.results(uow, "v1", caller=SCHOOL)
        assert (tally.answers, tally.shown) == (i + 1, i + 1 >= 5)
    assert tally.imagine == {"yes": 2, "maybe": 2, "no": 1} and tally.good == {"yes": 3, "ok": 1, "no": 1}
    assert tally.learned == {"yes": 4, "no": 1} and tally.share_imagine_yes == 0.4


def test_the_survey_operations_are_documented_with_their_bounds() -> None:
    from booking.bootstrap import SERVICE
    from booking.settings import BookingSettings
    from outreach_shared.runtime import build_app

    spec = build_app(SERVICE, BookingSettings()).openapi()
    answer = spec["paths"]["/v1/surveys/{code}/answers"]["post"]
    assert "security" not in answer  # pupils do not sign in
    (code,) = answer["parameters"]
    assert (code["name"], code["schema"]["maxLength"]) == ("code", 64)
    assert {"201", "404", "409", "410", "413", "422", "429"} <= set(answer["responses"])
    body = spec["components"]["schemas"]["AnswerIn"]
    assert body["additionalProperties"] is False
    assert {name: p["enum"] for name, p in body["properties"].items()} == {
        "imagine": ["yes", "maybe", "no"], "learned": ["yes", "no"], "good": ["yes", "ok", "no"],
    }  # fmt: skip
    assert {"404", "410", "429"} <= set(spec["paths"]["/v1/surveys/{code}"]["get"]["responses"])
    team = spec["paths"]["/v1/visit-requests/{visit_id}/survey"]["get"]
    assert team["security"] == [{"HTTPBearer": []}] and {"401", "403", "404", "409"} <= set(team["responses"])
    assert "survey" in spec["components"]["schemas"]["CountsOut"]["properties"]
