"""Choosing a team for a visit: a pure function over a preloaded list of candidates."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from ambassadors.domain.availability import Candidate, Policy, never_fits, unavailable_reason
from outreach_shared.contracts.common import Profession, TimeWindow


@dataclass(frozen=True)
class TeamRequest:
    """What a team must satisfy: the visit's needs, how many seats are open, and who is ruled out."""

    visit_id: str
    municipality_name: str
    professions: tuple[Profession, ...]
    language: str
    windows: tuple[TimeWindow, ...]
    seats: int
    covered: frozenset[Profession] = frozenset()
    excluded: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Pick:
    """A member chosen for a seat, and why."""

    member_id: str
    profession: Profession
    reason: str


@dataclass(frozen=True)
class TeamChoice:
    """The chosen window and the members to offer it to."""

    window: TimeWindow
    picks: tuple[Pick, ...]
    seats: int

    @property
    def complete(self) -> bool:
        """Every open seat has someone."""
        return len(self.picks) == self.seats


def rank_key(c: Candidate, year: int, policy: Policy) -> tuple[int, int, int, int, float, str]:
    """Nearest first (same municipality, then distance bands), then fewest recent visits, trained, id."""
    band = int(c.distance_km // policy.distance_band_km) if policy.distance_band_km > 0 else 0
    return (
        0 if c.same_municipality else 1,
        band,
        c.recent_visits,
        0 if c.trained_year == year else 1,
        c.distance_km,
        c.member_id,
    )


def reason_for(c: Candidate, visit_municipality: str) -> str:
    """A short human-readable reason why this member was chosen."""
    where = (
        f"Same municipality ({visit_municipality})"
        if c.same_municipality
        else f"{round(c.distance_km)} km from {visit_municipality} ({c.municipality_name})"
    )
    visits = f"{c.recent_visits} visit{'' if c.recent_visits == 1 else 's'} in the last 12 months"
    trained = f"trained {c.trained_year}" if c.trained_year else "not trained yet"
    return f"{where}, {visits}, {trained}"


def _fill_window(
    request: TeamRequest, window: TimeWindow, ranked: Sequence[Candidate], policy: Policy
) -> list[Candidate]:
    """Greedy by rank, keeping a seat for each requested profession not yet on the team when possible."""
    professions = frozenset(request.professions)
    missing = professions - request.covered
    uncovered = set(missing) if request.seats >= len(missing) else set()

    def fits(c: Candidate) -> bool:
        return not unavailable_reason(c, window, professions=professions, language=request.language, policy=policy)

    chosen: list[Candidate] = []
    held_back: list[Candidate] = []
    for c in ranked:
        remaining = request.seats - len(chosen)
        if remaining == 0:
            return chosen
        if c.profession not in uncovered and remaining <= len(uncovered):
            held_back.append(c)
        elif fits(c):
            chosen.append(c)
            uncovered.discard(c.profession)
    # A requested profession nobody can cover: a full team of the others beats a partial one.
    chosen.extend(islice((c for c in held_back if fits(c)), request.seats - len(chosen)))
    return chosen


def open_windows(request: TeamRequest, now: datetime) -> list[TimeWindow]:
    """The request's windows that have not started yet, earliest first (the order choose_team tries them in)."""
    return sorted((w for w in request.windows if w.start > now), key=lambda w: w.start)


def choose_team(
    request: TeamRequest, candidates: Iterable[Candidate], *, now: datetime, policy: Policy | None = None
) -> TeamChoice | None:
    """The earliest window with a full team, else the window with most seats filled; None if nobody fits."""
    policy = policy or Policy()
    year = now.astimezone(policy.tz).year
    professions = frozenset(request.professions)
    ranked = sorted(  # members who can take no window of this visit are dropped before the (costly) ranking
        (
            c
            for c in candidates
            # never_fits' distance rule inline first: it rules out most of a national roster without a call
            if (c.same_municipality or c.distance_km <= c.travel_radius_km)
            and c.member_id not in request.excluded
            and never_fits(c, professions=professions, language=request.language) is None
        ),
        key=lambda c: rank_key(c, year, policy),
    )
    best: tuple[TimeWindow, list[Candidate]] | None = None
    for window in open_windows(request, now) if request.seats > 0 else ():
        chosen = _fill_window(request, window, ranked, policy)
        if best is None or len(chosen) > len(best[1]):
            best = (window, chosen)
        if len(chosen) == request.seats:
            break
    if best is None or not best[1]:
        return None
    window, chosen = best
    picks = tuple(Pick(c.member_id, c.profession, reason_for(c, request.municipality_name)) for c in chosen)
    return TeamChoice(window=window, picks=picks, seats=request.seats)


def same_from_everyone(request: TeamRequest, choice: TeamChoice | None, *, now: datetime) -> bool:
    """Whether a choice made from the best-ranked few is the one choose_team makes from everyone.

    True when it fills every seat of the earliest open window without _fill_window's fall-back (every requested
    profession missing from the team is on it): everyone further down the ranking is then never looked at.
    """
    if choice is None or not choice.complete or open_windows(request, now)[:1] != [choice.window]:
        return False
    missing = frozenset(request.professions) - request.covered
    return request.seats < len(missing) or missing <= {p.profession for p in choice.picks}
