"""Why each member is, or is not, a candidate for a visit: matching's own rules and ranking, shown to organisers."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ambassadors.domain.availability import Candidate, Policy, month_of, never_fits, unavailable_reason
from ambassadors.domain.matching import TeamRequest, choose_team, open_windows, rank_key, reason_for
from outreach_shared.contracts.common import TimeWindow

EXCLUSION_CODES = {
    "inactive": "inactive",
    "profession not requested": "profession",
    "does not speak the language": "language",
    "outside travel radius": "too_far",
    "not available that weekday": "weekday",
    "unavailable that date": "unavailable_date",
    "not available at that time of day": "time_of_day",
    "busy with another visit": "busy",
    "monthly limit reached": "monthly_limit",
}
"""Matching's reasons (availability.unavailable_reason) as stable codes for clients."""
ON_TEAM = ("on_team", "already holds a seat on this visit")
ASKED = ("already_asked", "already asked this round")
NO_WINDOW = ("no_open_window", "every window of the visit has started")


@dataclass(frozen=True)
class Ranked:
    """A member who could take a seat: their rank and the facts the rank is made of."""

    candidate: Candidate
    rank: int
    windows: tuple[TimeWindow, ...]
    visits_that_month: int
    trained_this_year: bool
    chosen: bool
    reason: str


@dataclass(frozen=True)
class Excluded:
    """A member who cannot take a seat, and why (for the first open window, when it depends on the window)."""

    candidate: Candidate
    code: str
    reason: str


@dataclass(frozen=True)
class Review:
    """The ranked candidates for a visit's open seats, and the members ruled out."""

    request: TeamRequest
    windows: tuple[TimeWindow, ...]
    ranked: tuple[Ranked, ...]
    excluded: tuple[Excluded, ...]


def _exclusion(
    c: Candidate, request: TeamRequest, windows: list[TimeWindow], on_team: frozenset[str], policy: Policy
) -> tuple[str, str] | None:
    """Why the member cannot take any open window, or None when they can take one."""
    if c.member_id in on_team:
        return ON_TEAM
    if c.member_id in request.excluded:
        return ASKED
    professions = frozenset(request.professions)
    if reason := never_fits(c, professions=professions, language=request.language):
        return EXCLUSION_CODES.get(reason, reason), reason
    if not windows:
        return NO_WINDOW
    reasons = [unavailable_reason(c, w, professions=professions, language=request.language, policy=policy)
               for w in windows]  # fmt: skip
    if any(r is None for r in reasons):
        return None
    first = reasons[0] or ""
    return EXCLUSION_CODES.get(first, first), first


def review(
    request: TeamRequest,
    candidates: Iterable[Candidate],
    *,
    on_team: frozenset[str],
    now: datetime,
    policy: Policy,
) -> Review:
    """Rank who matching could offer a seat to (in matching's order, marking whom it would choose now) and say
    why each of the others is ruled out."""
    windows = open_windows(request, now)
    professions = frozenset(request.professions)
    year = now.astimezone(policy.tz).year
    fitting: list[Candidate] = []
    excluded: list[Excluded] = []
    for c in candidates:
        if (why := _exclusion(c, request, windows, on_team, policy)) is None:
            fitting.append(c)
        else:
            excluded.append(Excluded(c, *why))
    fitting.sort(key=lambda c: rank_key(c, year, policy))
    choice = choose_team(request, fitting, now=now, policy=policy)
    chosen = {p.member_id for p in choice.picks} if choice else set()
    ranked = []
    for rank, c in enumerate(fitting, start=1):
        fits = tuple(w for w in windows if unavailable_reason(
            c, w, professions=professions, language=request.language, policy=policy) is None)  # fmt: skip
        ranked.append(
            Ranked(
                candidate=c,
                rank=rank,
                windows=fits,
                visits_that_month=c.visits_in(month_of(fits[0].start, policy.tz), policy.tz),
                trained_this_year=c.trained_year == year,
                chosen=c.member_id in chosen,
                reason=reason_for(c, request.municipality_name),
            )
        )
    excluded.sort(key=lambda e: (e.candidate.distance_km, e.candidate.member_id))
    return Review(request, tuple(windows), tuple(ranked), tuple(excluded))
