"""choose_team: each matching rule in a hand-built scenario."""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from ambassadors.domain.availability import OSLO, Candidate, Commitment, Policy, month_bounds
from ambassadors.domain.matching import TeamRequest, choose_team, rank_key, same_from_everyone
from outreach_shared.contracts.common import TimeWindow

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
TUESDAY = TimeWindow(start=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), end=datetime(2026, 3, 10, 11, 0, tzinfo=UTC))
SATURDAY = TimeWindow(start=datetime(2026, 3, 7, 9, 0, tzinfo=UTC), end=datetime(2026, 3, 7, 11, 0, tzinfo=UTC))
THURSDAY = TimeWindow(start=datetime(2026, 3, 12, 9, 0, tzinfo=UTC), end=datetime(2026, 3, 12, 11, 0, tzinfo=UTC))


def cand(member_id: str, **kw: object) -> Candidate:
    base = Candidate(
        member_id=member_id,
        profession="nurse",
        municipality_name="Trondheim",
        same_municipality=True,
        distance_km=0.0,
        travel_radius_km=50,
        languages=frozenset({"nb"}),
        weekdays=frozenset({1, 2, 3, 4, 5}),
        unavailable_dates=frozenset(),
        max_visits_per_month=4,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def req(**kw: object) -> TeamRequest:
    base = TeamRequest(
        visit_id="v1",
        municipality_name="Trondheim",
        professions=("nurse", "health_worker"),
        language="nb",
        windows=(TUESDAY,),
        seats=2,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def chosen(request: TeamRequest, *candidates: Candidate, policy: Policy | None = None) -> list[str]:
    choice = choose_team(request, candidates, now=NOW, policy=policy)
    return [p.member_id for p in choice.picks] if choice else []


def test_prefers_same_municipality_then_nearest_within_radius() -> None:
    near = cand("near", same_municipality=False, distance_km=12, municipality_name="Malvik")
    far = cand("far", same_municipality=False, distance_km=35, municipality_name="Skaun")
    local = cand("local")
    assert chosen(req(professions=("nurse",), seats=1), far, near, local) == ["local"]
    assert chosen(req(professions=("nurse",), seats=1), far, near) == ["near"]


def test_skips_members_outside_their_travel_radius() -> None:
    too_far = cand("too-far", same_municipality=False, distance_km=60, travel_radius_km=50)
    assert chosen(req(professions=("nurse",), seats=1), too_far) == []


def test_covers_each_requested_profession_when_the_team_size_allows() -> None:
    nurses = [cand(f"n{i}") for i in range(3)]
    worker = cand("hw", profession="health_worker", same_municipality=False, distance_km=30)
    assert sorted(chosen(req(), *nurses, worker)) == ["hw", "n0"]


def test_fills_with_one_profession_when_the_other_has_nobody_free() -> None:
    nurses = [cand("n0"), cand("n1")]
    assert sorted(chosen(req(), *nurses)) == ["n0", "n1"]


def test_only_members_speaking_the_language() -> None:
    english = cand("en", languages=frozenset({"nb", "en"}))
    norwegian_only = cand("nb")
    assert chosen(req(professions=("nurse",), seats=1, language="en"), norwegian_only, english) == ["en"]


def test_only_members_free_on_that_weekday() -> None:
    weekend = cand("weekend", weekdays=frozenset({6, 7}))
    weekdays = cand("weekdays")
    assert chosen(req(professions=("nurse",), seats=1, windows=(SATURDAY,)), weekend, weekdays) == ["weekend"]
    assert chosen(req(professions=("nurse",), seats=1), weekend, weekdays) == ["weekdays"]


def test_skips_members_unavailable_that_date() -> None:
    away = cand("a-away", unavailable_dates=frozenset({date(2026, 3, 10)}))
    home = cand("b-home", recent_visits=5)
    assert chosen(req(professions=("nurse",), seats=1), away, home) == ["b-home"]


def test_skips_members_with_an_overlapping_visit_including_travel_buffer() -> None:
    # Another visit ends 30 minutes before this one starts: within the 60-minute travel buffer.
    clash = Commitment(TUESDAY.start - timedelta(hours=2, minutes=30), TUESDAY.start - timedelta(minutes=30))
    busy = cand("a-busy", commitments=(clash,))
    free = cand("b-free", recent_visits=3)
    assert chosen(req(professions=("nurse",), seats=1), busy, free) == ["b-free"]
    loose = Policy(travel_buffer=timedelta(minutes=15))
    assert chosen(req(professions=("nurse",), seats=1), busy, free, policy=loose) == ["a-busy"]


def test_skips_members_at_their_monthly_limit() -> None:
    march = tuple(Commitment(THURSDAY.start + timedelta(days=i), THURSDAY.end + timedelta(days=i)) for i in (1, 5))
    full = cand("a-full", max_visits_per_month=2, commitments=march)
    room = cand("b-room", recent_visits=9)
    assert chosen(req(professions=("nurse",), seats=1), full, room) == ["b-room"]
    april = tuple(replace(c, start=c.start + timedelta(days=30), end=c.end + timedelta(days=30)) for c in march)
    assert chosen(req(professions=("nurse",), seats=1), replace(full, commitments=april), room) == ["a-full"]


def test_the_monthly_limit_counts_seats_per_month_when_only_nearby_seats_are_loaded() -> None:
    # As the candidate query loads them: no seat near the window, but two elsewhere in March (local time).
    full = cand("a-full", max_visits_per_month=2, visits_by_month={(2026, 3): 2, (2026, 4): 0})
    room = cand("b-room", recent_visits=9)
    assert chosen(req(professions=("nurse",), seats=1), full, room) == ["b-room"]
    assert chosen(req(professions=("nurse",), seats=1), replace(full, visits_by_month={(2026, 4): 2}), room) == [
        "a-full"
    ]


def test_month_bounds_are_local_midnights_and_roll_over_the_year() -> None:
    assert month_bounds((2026, 12), OSLO) == (datetime(2026, 12, 1, tzinfo=OSLO), datetime(2027, 1, 1, tzinfo=OSLO))
    lo, hi = month_bounds((2026, 3), OSLO)
    assert (lo.utcoffset(), hi.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))  # summer time on 29 March


def test_fairness_prefers_fewest_visits_in_the_last_year() -> None:
    busy = cand("a-busy", recent_visits=4)
    rested = cand("b-rested", recent_visits=1)
    assert chosen(req(professions=("nurse",), seats=1), busy, rested) == ["b-rested"]


def test_fairness_applies_among_members_in_the_same_distance_band() -> None:
    close_busy = cand("a", same_municipality=False, distance_km=3, recent_visits=4)
    close_rested = cand("b", same_municipality=False, distance_km=8, recent_visits=0)
    far_rested = cand("c", same_municipality=False, distance_km=25, recent_visits=0)
    assert chosen(req(professions=("nurse",), seats=1), close_busy, close_rested, far_rested) == ["b"]


def test_prefers_members_trained_this_year() -> None:
    untrained = cand("a-untrained", trained_year=2025)
    trained = cand("b-trained", trained_year=2026)
    assert chosen(req(professions=("nurse",), seats=1), untrained, trained) == ["b-trained"]


def test_ties_are_broken_by_member_id() -> None:
    assert chosen(req(professions=("nurse",), seats=1), cand("m2"), cand("m1")) == ["m1"]


def test_picks_the_earliest_window_with_a_full_team() -> None:
    tuesday_only = cand("a", weekdays=frozenset({2}))
    thursday_pair = [cand("b", weekdays=frozenset({4})), cand("c", weekdays=frozenset({4}))]
    choice = choose_team(
        req(professions=("nurse",), windows=(THURSDAY, TUESDAY)), [tuesday_only, *thursday_pair], now=NOW
    )
    assert choice is not None and choice.window == THURSDAY and choice.complete


def test_without_a_full_team_takes_the_window_with_most_seats() -> None:
    only = cand("a", weekdays=frozenset({4}))
    choice = choose_team(req(professions=("nurse",), windows=(TUESDAY, THURSDAY)), [only], now=NOW)
    assert choice is not None and choice.window == THURSDAY and not choice.complete
    assert [p.member_id for p in choice.picks] == ["a"]


def test_excluded_members_and_past_windows_are_never_chosen() -> None:
    assert chosen(req(professions=("nurse",), seats=1, excluded=frozenset({"a"})), cand("a")) == []
    past = TimeWindow(start=NOW - timedelta(days=1), end=NOW - timedelta(hours=20))
    assert chosen(req(professions=("nurse",), seats=1, windows=(past,)), cand("a")) == []


def test_replacement_keeps_the_profession_mix() -> None:
    request = req(seats=1, covered=frozenset({"nurse"}))
    worker = cand("z-hw", profession="health_worker", recent_visits=8)
    assert chosen(request, cand("a-nurse"), worker) == ["z-hw"]


def test_reason_says_why_the_member_was_chosen() -> None:
    local = cand("local", recent_visits=2, trained_year=2026)
    nearby = cand("nearby", same_municipality=False, distance_km=14.4, municipality_name="Malvik")
    choice = choose_team(req(professions=("nurse",)), [local, nearby], now=NOW)
    assert choice is not None
    reasons = {p.member_id: p.reason for p in choice.picks}
    assert reasons["local"] == "Same municipality (Trondheim), 2 visits in the last 12 months, trained 2026"
    assert reasons["nearby"] == "14 km from Trondheim (Malvik), 0 visits in the last 12 months, not trained yet"


def test_inactive_members_are_never_chosen() -> None:
    assert chosen(req(professions=("nurse",), seats=1), cand("a", active=False)) == []


def test_a_full_team_from_the_best_few_in_a_later_window_is_not_final() -> None:
    tuesday_only = cand("a", weekdays=frozenset({2}))
    thursday_pair = [cand(f"b{i}", weekdays=frozenset({4})) for i in range(2)]
    request = req(professions=("nurse",), windows=(THURSDAY, TUESDAY))
    best = choose_team(request, thursday_pair, now=NOW)  # the Tuesday partner ranks below the best few
    assert best is not None and best.complete and best.window == THURSDAY
    assert not same_from_everyone(request, best, now=NOW)
    assert same_from_everyone(request, choose_team(request, [tuesday_only, cand("c")], now=NOW), now=NOW)


def test_a_full_team_that_lacks_a_requested_profession_is_not_final() -> None:
    nurses = [cand("n0"), cand("n1")]
    best = choose_team(req(), nurses, now=NOW)  # a health worker further down would take the second seat
    assert best is not None and best.complete
    assert not same_from_everyone(req(), best, now=NOW)


def test_a_choice_from_the_best_few_marked_final_is_the_choice_from_everyone() -> None:
    rng = random.Random(9)
    final = not_final = 0
    for _ in range(400):
        everyone = [random_candidate(rng, f"m{i:03}") for i in range(rng.randint(5, 80))]
        request = random_request(rng, everyone)
        ranked = sorted(everyone, key=lambda c: rank_key(c, NOW.year, Policy()))
        for k in (3, 10, 30):
            choice = choose_team(request, ranked[:k], now=NOW)
            if same_from_everyone(request, choice, now=NOW):
                final += 1
                assert choice == choose_team(request, everyone, now=NOW)
            else:
                not_final += 1
    assert final > 100 and not_final > 100  # both outcomes exercised


def random_candidate(rng: random.Random, member_id: str) -> Candidate:
    day = rng.choice((TUESDAY, THURSDAY)).start
    same = rng.random() < 0.2
    return cand(
        member_id,
        profession=rng.choice(("nurse", "health_worker")),
        same_municipality=same,
        distance_km=0.0 if same else rng.uniform(1, 60),
        travel_radius_km=rng.choice((20, 50)),
        weekdays=frozenset(rng.sample(range(1, 6), rng.randint(1, 5))),
        unavailable_dates=frozenset({day.date()} if rng.random() < 0.15 else ()),
        commitments=(Commitment(day, day + timedelta(hours=2)),) if rng.random() < 0.15 else (),
        max_visits_per_month=rng.randint(1, 3),
        recent_visits=rng.randint(0, 3),
        trained_year=rng.choice((None, 2025, 2026)),
    )


def random_request(rng: random.Random, everyone: list[Candidate]) -> TeamRequest:
    return req(
        professions=rng.choice((("nurse",), ("health_worker",), ("nurse", "health_worker"))),
        windows=tuple(rng.sample((TUESDAY, THURSDAY, SATURDAY), rng.randint(1, 3))),
        seats=rng.randint(1, 3),
        covered=frozenset(rng.sample(["nurse", "health_worker"], rng.randint(0, 1))),
        excluded=frozenset(c.member_id for c in everyone if rng.random() < 0.1),
    )
