"""Pupils' voice: the anonymous survey a visit's team shows at its end, its three fixed questions, its window, the
cap on answers and the rule that results are shown only in aggregate, from five answers up."""

import hashlib
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from booking.domain.model import Visit
from booking.domain.times import in_oslo, school_year
from outreach_shared.contracts.common import Language
from outreach_shared.errors import Conflict, DomainError

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""31 characters without look-alikes (no 0/O, 1/I/L): easy to read off a screen and type."""
CODE_LENGTH = 10
"""31^10 ≈ 8·10^14 codes (~49 bits): not guessable at a rate-limited endpoint."""
OPEN_AFTER_VISIT = timedelta(days=7)
ANSWERS_PER_PUPIL = 1.2
"""At most ceil(1.2 × pupils registered) answers: room for a miscount, not for a flood."""
SHOWN_FROM = 5
"""Results are shown only for a visit or group with at least this many answers."""

Imagine = Literal["yes", "maybe", "no"]
Learned = Literal["yes", "no"]
Good = Literal["yes", "ok", "no"]
"""'Was the visit good?' on three steps (yes / ok / no), like the other two: quicker for pupils than a 1–5 scale
and needs no explaining of what a 3 means."""


class SurveyClosed(DomainError):
    """The survey is not open now (before the visit, more than 7 days after it, or the visit is off): 410."""

    status = 410
    title = "Gone"


class SurveyFull(Conflict):
    """The survey has as many answers as the cap allows."""


class AlreadyAnswered(Conflict):
    """This browser has answered the survey already."""


def new_code() -> str:
    """A new random survey code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalised_code(given: str) -> str | None:
    """The code as stored (upper case), or None if `given` cannot be a code (so it never reaches the database)."""
    code = given.upper()
    if len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code):
        return code
    return None


def new_cookie() -> str:
    """The random value of the cookie that stops a second answer from the same browser."""
    return secrets.token_urlsafe(32)


def cookie_hash(value: str) -> str:
    """What is stored of a cookie: its SHA-256 (the value itself is random, so no salt is needed)."""
    return hashlib.sha256(value.encode()).hexdigest()


def answer_cap(pupils: int) -> int:
    """The most answers a visit's survey takes."""
    return math.ceil(round(ANSWERS_PER_PUPIL * pupils, 6))


@dataclass(frozen=True)
class Survey:
    """A visit's survey: its code and when it is open (from the visit's start to 7 days after its end)."""

    visit_id: str
    code: str
    language: Language
    opens_at: datetime | None
    closes_at: datetime | None
    cap: int

    @classmethod
    def of(cls, visit: Visit, code: str) -> "Survey":
        """The survey of a visit; a visit not (or no longer) scheduled has no window, so it is closed."""
        slot = visit.scheduled if visit.status in ("confirmed", "completed") else None
        opens, closes = (slot.start, slot.end + OPEN_AFTER_VISIT) if slot else (None, None)
        return cls(visit.id, code, visit.details.language, opens, closes, answer_cap(visit.details.pupils))

    def is_open(self, now: datetime) -> bool:
        """Whether pupils may answer now."""
        return self.opens_at is not None and self.closes_at is not None and self.opens_at <= now < self.closes_at

    def check_open(self, now: datetime) -> None:
        """Raise SurveyClosed unless pupils may answer now."""
        if self.opens_at is None or self.closes_at is None:
            raise SurveyClosed("the visit is not taking place, so its survey is closed")
        if now < self.opens_at:
            raise SurveyClosed(f"the survey opens when the visit starts ({self.opens_at.isoformat()})")
        if now >= self.closes_at:
            raise SurveyClosed(f"the survey closed on {self.closes_at.isoformat()}")

    def check_room(self, answers_so_far: int) -> None:
        """Raise SurveyFull once the cap is reached."""
        if answers_so_far >= self.cap:
            raise SurveyFull(f"the survey is full: it takes at most {self.cap} answers")


@dataclass(frozen=True)
class Answer:
    """One pupil's answers; nothing else about the pupil is kept."""

    imagine: Imagine
    learned: Learned
    good: Good


@dataclass
class Tally:
    """Answers counted per question and option."""

    answers: int = 0
    imagine: dict[str, int] = field(default_factory=lambda: {"yes": 0, "maybe": 0, "no": 0})
    learned: dict[str, int] = field(default_factory=lambda: {"yes": 0, "no": 0})
    good: dict[str, int] = field(default_factory=lambda: {"yes": 0, "ok": 0, "no": 0})

    @property
    def shown(self) -> bool:
        """Whether there are enough answers to show them."""
        return self.answers >= SHOWN_FROM

    @property
    def share_imagine_yes(self) -> float | None:
        """The share of pupils who could imagine working in health care (None without answers)."""
        return round(self.imagine["yes"] / self.answers, 4) if self.answers else None

    def add(self, other: "Tally") -> None:
        """Add another tally's counts to this one."""
        self.answers += other.answers
        for mine, theirs in ((self.imagine, other.imagine), (self.learned, other.learned), (self.good, other.good)):
            for option, count in theirs.items():
                mine[option] += count


@dataclass(frozen=True)
class SurveyRow:
    """One visit's answers as the impact figures see them."""

    kommunenummer: str
    municipality: str
    county_number: str
    county: str
    visit_date: datetime
    tally: Tally


@dataclass
class SurveyFigures:
    """Answers in total and by municipality, county and school year (keys as in the visit figures)."""

    total: Tally = field(default_factory=Tally)
    by_municipality: dict[tuple[str, str], Tally] = field(default_factory=dict)
    by_county: dict[tuple[str, str], Tally] = field(default_factory=dict)
    by_school_year: dict[str, Tally] = field(default_factory=dict)


def tally_surveys(rows: Iterable[SurveyRow]) -> SurveyFigures:
    """Add up visits' answers into totals and groups (each shown only from five answers: `Tally.shown`)."""
    figures = SurveyFigures()
    for row in rows:
        figures.total.add(row.tally)
        figures.by_municipality.setdefault((row.kommunenummer, row.municipality), Tally()).add(row.tally)
        figures.by_county.setdefault((row.county_number, row.county), Tally()).add(row.tally)
        year = school_year(in_oslo(row.visit_date).date())
        figures.by_school_year.setdefault(year, Tally()).add(row.tally)
    return figures
