"""Publishing invites exactly the eligible members; late joiners are invited; unanswered members reminded.

Each test uses its own county (42, 11, 18, 15, 56) so that tests sharing the roster stay independent.
"""

import time
from datetime import UTC, datetime, timedelta

from training_helpers import (
    GatheringEvents,
    Roster,
    eventually,
    gathering_body,
    in_roster,
    published_gathering,
    snapshot,
    uid,
)

from outreach_dev.testing.service import RunningService
from outreach_shared.contracts import ambassadors as a

INVITED = "gathering.invitation-issued"


async def test_publishing_invites_exactly_the_active_members_of_the_audience_in_the_region(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    eligible = [uid("nurse-ag"), uid("nurse-ag")]
    elsewhere, worker, inactive = uid("nurse-oslo"), uid("worker-ag"), uid("inactive-ag")
    for m in eligible:
        await roster.register(m, county="42")
    await roster.register(elsewhere, county="03")
    await roster.register(worker, county="42", profession="health_worker")
    await roster.register(inactive, county="42", active=False)
    await in_roster(training, [*eligible, elsewhere, worker, inactive])

    gathering_id = await published_gathering(training, gathering_body("42"))

    published = await events.wait_for(gathering_id, "gathering.published")
    assert published[0]["region"] == ["42"] and published[0]["title"] == "Samling 2025"
    mine = {*eligible, elsewhere, worker, inactive}
    invitations = await events.wait_for(gathering_id, INVITED, count=len(eligible))
    invited = {p["member_id"] for p in events.of(gathering_id, INVITED)} & mine
    assert invited == set(eligible)
    assert invitations[0]["venue"]["kommunenummer"] == "4601"


async def test_members_joining_or_reactivated_before_registration_closes_are_invited(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    gathering_id = await published_gathering(training, gathering_body("11"))
    late, comeback, other = uid("late"), uid("comeback"), uid("other-county")
    await roster.register(comeback, county="11", active=False)
    await in_roster(training, [comeback])

    await roster.register(late, county="11")
    await roster.register(other, county="18")
    await roster.send(a.MemberReactivated(member=snapshot(comeback, county="11")), comeback)

    await eventually(lambda: _invited(events, gathering_id, {late, comeback}))
    await in_roster(training, [other])
    assert other not in {p["member_id"] for p in events.of(gathering_id, INVITED)}


async def _invited(events: GatheringEvents, gathering_id: str, members: set[str]) -> bool:
    return members <= {p["member_id"] for p in events.of(gathering_id, INVITED)}


async def test_invited_members_who_have_not_answered_are_reminded_a_week_before_registration_closes(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    answered, silent = uid("answered"), uid("silent")
    for m in (answered, silent):
        await roster.register(m, county="15")
    await in_roster(training, [answered, silent])
    closes = datetime.now(UTC) + timedelta(days=7, seconds=4)  # the reminder is due in four seconds
    gathering_id = await published_gathering(training, gathering_body("15", registration_closes=closes))
    r = await training.client.post(
        f"/v1/gatherings/{gathering_id}/registrations", json={}, headers=training.auth("member", answered)
    )
    assert r.status_code == 201, r.text
    assert not events.of(gathering_id, "gathering.invitation-reminder")

    reminders = await events.wait_for(gathering_id, "gathering.invitation-reminder")
    assert [p["member_id"] for p in reminders if p["member_id"] in (answered, silent)] == [silent]
    assert reminders[0]["registration_closes"] == closes.isoformat().replace("+00:00", "Z")


async def test_publishing_to_five_thousand_members_is_fast(training: RunningService) -> None:
    members = [(uid("bulk"), "nurse", "56", True) for _ in range(5000)]
    await training.runtime.pool.executemany(
        "INSERT INTO members (member_id, profession, county, active) VALUES ($1, $2, $3, $4)", members
    )
    started = time.monotonic()
    gathering_id = await published_gathering(training, gathering_body("56"))
    elapsed = time.monotonic() - started

    invited = await training.runtime.pool.fetchval(
        "SELECT count(*) FROM invitations WHERE gathering_id = $1", gathering_id
    )
    outbox = await training.runtime.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE key = $1 AND envelope->>'type' = $2", gathering_id, INVITED
    )
    assert invited == outbox == 5000
    assert elapsed < 5, f"publishing took {elapsed:.1f}s"

    async def relayed() -> bool:  # drained here, so later tests' events are not queued behind these
        pending = await training.runtime.pool.fetchval(
            "SELECT count(*) FROM outbox WHERE key = $1 AND published_at IS NULL", gathering_id
        )
        return pending == 0

    await eventually(relayed, timeout=180, interval=1)
