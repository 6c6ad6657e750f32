"""The candidate query ranks and filters exactly as the domain does, so the best few it loads are everyone's best."""

import random
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from ambassadors_harness import Harness, slot

from ambassadors.adapters.candidates import distances_from, load_candidates
from ambassadors.domain.availability import Candidate, Commitment, Policy, local_dates, unavailable_reason
from ambassadors.domain.matching import TeamRequest, choose_team, rank_key
from ambassadors.domain.visits import Visit
from ambassadors.service_layer import staffing
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit, Config
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.municipalities import load_register
from outreach_shared.skeleton import Scope

NOW = datetime.now(UTC)
VISIT_KOMMUNE = "5001"  # Trondheim
WINDOWS = (slot(3, 2), slot(4, 4))
SEAT_OFFSETS_H = (-3, -2.5, 0, 2.5, 26, -24 * 9, 24 * 9, 24 * 40)
"""Where members' seats start, from a window's start: touching, clashing before, on or after it (buffer),
a day off, same month or not, next month."""
COLUMNS = (
    "id",
    "name",
    "email",
    "phone",
    "profession",
    "kommunenummer",
    "fylke",
    "languages",
    "max_visits_per_month",
    "travel_radius_km",
    "weekdays",
    "unavailable_dates",
    "active",
    "trained_year",
)


def roster(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Members mostly near Trondheim (many in it), some far away, with every attribute the rules look at."""
    numbers, kms = distances_from(VISIT_KOMMUNE)
    near = [k for k, km in zip(numbers, kms, strict=True) if km < 120]
    register = load_register().by_number
    members = []
    for _ in range(n):
        kommune = rng.choice((VISIT_KOMMUNE, rng.choice(near), rng.choice(numbers)))
        members.append(
            {
                "id": uuid.uuid4(),
                "profession": rng.choice(("nurse", "health_worker")),
                "kommunenummer": kommune,
                "fylke": register[kommune].county,
                "languages": rng.choice((["nb"], ["nb", "en"], ["nb", "en"], ["nn"])),
                "weekdays": sorted(rng.sample(range(1, 8), rng.randint(1, 5))),
                "travel_radius_km": rng.choice((10, 30, 50, 100)),
                "max_visits_per_month": rng.randint(1, 3),
                "unavailable_dates": [w.start.date() for w in WINDOWS if rng.random() < 0.1],
                "active": rng.random() < 0.9,
                "trained_year": rng.choice((None, NOW.year - 1, NOW.year)),
            }
        )
    return members


async def load_roster(conn: asyncpg.Connection, rng: random.Random, members: list[dict[str, Any]]) -> None:
    await conn.copy_records_to_table(
        "members",
        columns=COLUMNS,
        records=[
            (
                m["id"],
                "Roster Member",
                f"{m['id']}@example.no",
                "+4791234567",
                m["profession"],
                m["kommunenummer"],
                m["fylke"],
                m["languages"],
                m["max_visits_per_month"],
                m["travel_radius_km"],
                m["weekdays"],
                m["unavailable_dates"],
                m["active"],
                m["trained_year"],
            )
            for m in members
        ],
    )
    visits = [
        (f"done-{i}-{j}", m["id"], NOW - timedelta(days=rng.randint(1, 500)))
        for i, m in enumerate(members)
        for j in range(rng.choice((0, 0, 1, 2, 3)))
    ]
    await conn.copy_records_to_table(
        "completed_visits", columns=("visit_id", "member_id", "visit_start"), records=visits
    )
    await conn.execute("INSERT INTO visits (id, request) SELECT 'elsewhere-' || i, '{}' FROM generate_series(0, 2) i")
    for m in rng.sample(members, len(members) // 6):  # some hold seats near the windows, or in their months
        near = rng.choice(WINDOWS).start
        for i, offset in enumerate(rng.sample(SEAT_OFFSETS_H, rng.randint(1, 3))):
            start = near + timedelta(hours=offset)
            try:
                async with conn.transaction():  # the database refuses seats over the member's monthly limit
                    await conn.execute(
                        """INSERT INTO offers (id, visit_id, member_id, round, status, window_start, window_end,
                                               busy, expires_at, reason)
                           VALUES ($1, 'elsewhere-' || $5::int, $2, 1, 'offered', $3, $4,
                                   tstzrange($3::timestamptz, $4::timestamptz + interval '60 minutes'), $3, 'test')""",
                        uuid.uuid4(),
                        m["id"],
                        start,
                        start + timedelta(hours=2),
                        i,
                    )
            except asyncpg.ExclusionViolationError:
                pass
    await conn.execute("ANALYZE members; ANALYZE completed_visits; ANALYZE offers")


def visit(professions: list[str], language: str, windows: tuple[TimeWindow, ...]) -> Visit:
    return Visit(
        id=f"rank-{uuid.uuid4()}",
        request=VisitRequested(
            visit_id="rank",
            orgnr="974760673",
            school_name="Rang skole",
            school_address="Skolegata 1",
            kommunenummer=VISIT_KOMMUNE,
            kind="school_visit",
            audience_description="10. trinn",
            pupils=60,
            professions=professions,
            language=language,
            windows=list(windows),
            team_size=2,
        ),
    )


def could_ever_fit(m: dict[str, Any], request: TeamRequest, km: dict[str, float]) -> bool:
    days = {d.isoweekday() for w in request.windows for d in local_dates(w)}
    return (
        m["active"]
        and m["profession"] in request.professions
        and request.language in m["languages"]
        and bool(days & set(m["weekdays"]))
        and (m["kommunenummer"] == VISIT_KOMMUNE or km[m["kommunenummer"]] <= m["travel_radius_km"])
    )


async def test_candidates_are_everyone_who_could_fit_in_rank_order_and_the_best_few_are_a_prefix(
    empty_roster: Harness,
) -> None:
    rng = random.Random(17)
    members = roster(rng, 1500)
    km = dict(zip(*distances_from(VISIT_KOMMUNE), strict=True))
    async with empty_roster.pool.acquire() as conn:
        await load_roster(conn, rng, members)
        recent = Counter(
            str(r["member_id"])
            for r in await conn.fetch(
                "SELECT member_id FROM completed_visits WHERE visit_start >= $1", NOW - timedelta(days=365)
            )
        )
        cases = [
            (professions, language, windows, band)
            for professions in (["nurse"], ["nurse", "health_worker"])
            for language in ("nb", "en")
            for windows in ((WINDOWS[0],), WINDOWS)
            for band in (10.0, 25.0, 0.0)
        ]
        held: dict[str, list[Commitment]] = defaultdict(list)
        for r in await conn.fetch(
            "SELECT member_id, window_start, window_end FROM offers "
            "WHERE status IN ('offered', 'accepted') ORDER BY window_start"
        ):
            held[str(r["member_id"])].append(Commitment(r["window_start"], r["window_end"]))
        reasons: Counter[str | None] = Counter()
        for professions, language, windows, band in cases:
            policy = Policy(distance_band_km=band)
            v = visit(professions, language, windows)
            request = staffing.team_request(v, [], frozenset())
            everyone = await load_candidates(conn, staffing.candidate_query(v, request, policy, None), now=NOW)
            best = await load_candidates(conn, staffing.candidate_query(v, request, policy, 60), now=NOW)

            expected = {str(m["id"]) for m in members if could_ever_fit(m, request, km)}
            assert {c.member_id for c in everyone} == expected
            assert everyone == sorted(everyone, key=lambda c: rank_key(c, NOW.year, policy))
            assert best == everyone[:60] and len(everyone) > 60
            assert all(c.recent_visits == recent[c.member_id] for c in everyone)
            assert sum(bool(c.commitments) for c in everyone) > 0
            reasons.update(same_answer_as_with_every_seat(everyone, request, policy, held))

            async with conn.transaction():
                uow = AmbassadorsUnit(
                    conn, Scope(now=NOW, producer="test", correlation_id="rank"), config=Config(policy=policy)
                )
                for excluded in (frozenset(), frozenset(c.member_id for c in everyone[:40:3])):
                    narrowed = replace(request, excluded=excluded)
                    assert await staffing._choose(uow, v, narrowed) == choose_team(
                        narrowed, everyone, now=NOW, policy=policy
                    )
        assert reasons["busy with another visit"] > 0 and reasons["monthly limit reached"] > 0


def same_answer_as_with_every_seat(
    loaded: list[Candidate], request: TeamRequest, policy: Policy, held: dict[str, list[Commitment]]
) -> Counter[str | None]:
    """Each loaded candidate (only the seats near the windows, and counts per month) is unavailable for a window
    exactly when the same member with every seat they hold is; fewer seats are loaded than held. The reasons."""
    reasons: Counter[str | None] = Counter()
    for c in loaded:
        every_seat = replace(c, commitments=tuple(held[c.member_id]), visits_by_month=None)
        assert set(c.commitments) <= set(every_seat.commitments)
        for window in request.windows:
            rules = {"professions": frozenset(request.professions), "language": request.language, "policy": policy}
            reason = unavailable_reason(c, window, **rules)  # type: ignore[arg-type]
            assert reason == unavailable_reason(every_seat, window, **rules)  # type: ignore[arg-type]
            reasons[reason] += 1
    assert sum(len(c.commitments) for c in loaded) < sum(len(held[c.member_id]) for c in loaded)
    return reasons


async def test_a_member_reaching_further_than_anyone_before_is_a_candidate(empty_roster: Harness) -> None:
    h = empty_roster
    await h.add_member("Near Nurse", travel_radius_km=20)
    v = visit(["nurse"], "nb", (WINDOWS[0],))
    request = staffing.team_request(v, [], frozenset())
    query = staffing.candidate_query(v, request, Policy(), 60)
    async with h.pool.acquire() as conn:
        assert len(await load_candidates(conn, query, now=NOW)) == 1  # the longest radius seen is now 20 km
        oslo = await h.add_member("Oslo Nurse", kommunenummer="0301", travel_radius_km=600)
        assert oslo in {c.member_id for c in await load_candidates(conn, query, now=NOW)}
