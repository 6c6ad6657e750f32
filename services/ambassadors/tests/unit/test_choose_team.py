"""choose_team: each matching rule in a hand-built scenario."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from ambassadors.domain.availability import Candidate, Commitment, Policy
from ambassadors.domain.matching import TeamRequest, choose_team
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
