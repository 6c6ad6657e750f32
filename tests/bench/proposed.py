"""Fixes proposed from the profiles, applied in the bench only (never to services/ or shared/) for before/after.

Each is exactly what the write-up in README.md asks the owner to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ambassadors.domain.availability import Candidate, Policy
from ambassadors.domain.matching import TeamChoice, TeamRequest, choose_team


def could_ever_fit(c: Candidate, professions: frozenset[str], language: str) -> bool:
    """The window-independent hard rules of `unavailable_reason` (a member failing one never fits any window)."""
    return (c.active and c.profession in professions and language in c.languages
            and (c.same_municipality or c.distance_km <= c.travel_radius_km))


def choose_team_prefiltered(
    request: TeamRequest, candidates: Iterable[Candidate], *, now: datetime, policy: Policy | None = None
) -> TeamChoice | None:
    """matching.choose_team with the window-independent rules applied before ranking (same result, less sorting)."""
    professions = frozenset(request.professions)
    fitting = [c for c in candidates if could_ever_fit(c, professions, request.language)]
    return choose_team(request, fitting, now=now, policy=policy)
