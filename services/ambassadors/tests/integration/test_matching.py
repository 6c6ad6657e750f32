"""Matching picks the expected members in hand-built scenarios (real Kafka and Postgres)."""

from datetime import UTC, datetime, timedelta

from ambassadors_harness import Harness, slot

from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics
from outreach_shared.contracts.booking import VisitCompleted
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.contracts.training import GatheringCompleted


async def offered_names(h: Harness, visit_id: str, names: dict[str, str], count: int) -> set[str]:
    return {names[m] for m in await h.offered_to(visit_id, count)}


async def test_offers_the_nearest_members_within_their_radius(empty_roster: Harness) -> None:
    h = empty_roster
    names = {
        await h.add_member("Local Nurse"): "local",
        await h.add_member("Malvik Nurse", kommunenummer="5031"): "malvik",
        await h.add_member("Stjordal Nurse", kommunenummer="5035", travel_radius_km=30): "stjordal",
    }
    visit = await h.request_visit(team_size=3)
    assert await offered_names(h, visit.visit_id, names, 2) == {"local", "malvik"}
    made = await h.offer_events(visit.visit_id, "offer.made", 2)
    reasons = {names[e.payload["member_id"]]: e.payload["reason"] for e in made}
    assert reasons["local"].startswith("Same municipality (Trondheim)")
    assert reasons["malvik"].startswith("17 km from Trondheim (Malvik)")


async def test_covers_both_professions(empty_roster: Harness) -> None:
    h = empty_roster
    names = {await h.add_member(f"Nurse {i}"): f"nurse{i}" for i in range(3)}
    names[await h.add_member("Worker", profession="health_worker", kommunenummer="5031")] = "worker"
    visit = await h.request_visit(team_size=2, professions=["nurse", "health_worker"])
    chosen = await offered_names(h, visit.visit_id, names, 2)
    assert "worker" in chosen and len(chosen) == 2


async def test_only_members_speaking_the_language(empty_roster: Harness) -> None:
    h = empty_roster
    names = {
        await h.add_member("Bokmal Only"): "nb",
        await h.add_member("English Too", kommunenummer="5031", languages=["nb", "en"]): "en",
    }
    visit = await h.request_visit(language="en")
    assert await offered_names(h, visit.visit_id, names, 1) == {"en"}


async def test_only_members_free_that_weekday(empty_roster: Harness) -> None:
    h = empty_roster
    names = {
        await h.add_member("Mondays Only", weekdays=[1]): "monday",
        await h.add_member("Any Day", kommunenummer="5031"): "any",
    }
    visit = await h.request_visit(windows=[slot(3, 2)])
    assert await offered_names(h, visit.visit_id, names, 1) == {"any"}


async def test_skips_members_unavailable_that_date(empty_roster: Harness) -> None:
    h = empty_roster
    window = slot(3, 2)
    names = {
        await h.add_member("Away", unavailable_dates=[window.start.date().isoformat()]): "away",
        await h.add_member("Home", kommunenummer="5031"): "home",
    }
    visit = await h.request_visit(windows=[window])
    assert await offered_names(h, visit.visit_id, names, 1) == {"home"}


async def test_skips_members_busy_within_the_travel_buffer(empty_roster: Harness) -> None:
    h = empty_roster
    local = await h.add_member("Local")
    names = {local: "local"}
    first = await h.request_visit(windows=[slot(3, 2, hour=9)])
    assert await offered_names(h, first.visit_id, names, 1) == {"local"}
    names[await h.add_member("Malvik", kommunenummer="5031")] = "malvik"
    # Starts 30 minutes after the first visit ends: closer than the 60-minute travel buffer.
    second = await h.request_visit(
        windows=[
            TimeWindow(
                start=first.windows[0].end + timedelta(minutes=30), end=first.windows[0].end + timedelta(hours=2)
            )
        ]
    )
    assert await offered_names(h, second.visit_id, names, 1) == {"malvik"}


async def test_respects_the_monthly_limit(empty_roster: Harness) -> None:
    h = empty_roster
    names = {await h.add_member("Limited", max_visits_per_month=1): "limited"}
    first_window = slot(3, 2)
    first = await h.request_visit(windows=[first_window])
    assert await offered_names(h, first.visit_id, names, 1) == {"limited"}
    names[await h.add_member("Spare", kommunenummer="5031")] = "spare"
    shift = (
        timedelta(days=1)
        if (first_window.start + timedelta(days=1)).month == first_window.start.month
        else -timedelta(days=1)
    )
    second = await h.request_visit(windows=[TimeWindow(start=first_window.start + shift, end=first_window.end + shift)])
    assert await offered_names(h, second.visit_id, names, 1) == {"spare"}


async def test_prefers_members_with_fewer_recent_visits(empty_roster: Harness) -> None:
    h = empty_roster
    busy = await h.add_member("Busy")
    rested = await h.add_member("Rested")
    names = {busy: "busy", rested: "rested"}
    last_month = TimeWindow(
        start=datetime.now(UTC) - timedelta(days=30), end=datetime.now(UTC) - timedelta(days=30, hours=-2)
    )
    for i in range(2):
        await h.publish(
            VisitCompleted(
                visit_id=f"done-{busy}-{i}",
                pupils_reached=20,
                team_member_ids=[busy],
                kommunenummer="5001",
                scheduled=last_month,
            ),
            f"done-{busy}-{i}",
        )

    async def counted() -> bool:
        return await h.pool.fetchval("SELECT count(*) FROM completed_visits WHERE member_id = $1", busy) == 2

    await eventually(counted)
    visit = await h.request_visit()
    assert await offered_names(h, visit.visit_id, names, 1) == {"rested"}


async def test_prefers_members_trained_this_year(empty_roster: Harness) -> None:
    h = empty_roster
    untrained = await h.add_member("Untrained")
    trained = await h.add_member("Trained")
    names = {untrained: "untrained", trained: "trained"}
    year = datetime.now(UTC).year
    await h.publish(
        GatheringCompleted(gathering_id=f"g-{trained}", year=year, trained_member_ids=[trained]), f"g-{trained}"
    )
    updated = await h.events(Topics.MEMBERS, trained, "member.updated")
    assert updated[-1].payload["member"]["trained_year"] == year
    visit = await h.request_visit()
    assert await offered_names(h, visit.visit_id, names, 1) == {"trained"}


async def test_nobody_eligible_means_no_team_available(empty_roster: Harness) -> None:
    h = empty_roster
    await h.add_member("Bokmal Only")
    visit = await h.request_visit(language="nn")
    (event,) = await h.offer_events(visit.visit_id, "team.none-available")
    assert "nn" in event.payload["reason"]
