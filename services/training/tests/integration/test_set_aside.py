"""Training's timers: one whose payload no longer fits its handler is set aside with the reason, and the timers due
around it fire all the same."""

from training_helpers import gathering_body, published_gathering, uid

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.set_aside import listed_set_aside, plant_timers, set_aside_count, timer_statuses
from outreach_dev.testing.waiting import eventually
from training.service_layer.timer_keys import INVITATION_REMINDER


async def test_an_invitation_reminder_that_cannot_fire_is_set_aside_and_those_around_it_fire(
    training: RunningService,
) -> None:
    gathering_id = await published_gathering(training, gathering_body("34"))
    keys = [uid("bulkhead") for _ in range(3)]
    bad = keys[1]
    before = set_aside_count("training", "timers")
    await plant_timers(training.runtime.pool, INVITATION_REMINDER, [
        (keys[0], {"gathering_id": gathering_id}),
        (bad, {"gathering": gathering_id}),  # a payload of an older shape
        (keys[2], {"gathering_id": gathering_id}),
    ])  # fmt: skip

    async def settled() -> dict[str, str] | None:
        statuses = await timer_statuses(training.runtime.pool, INVITATION_REMINDER, keys)
        return statuses if "pending" not in statuses.values() else None

    assert await eventually(settled, timeout=15) == {keys[0]: "done", bad: "failed", keys[2]: "done"}
    (item,) = await listed_set_aside(training, bad)
    assert (item["loop"], item["kind"], item["reason"]) == ("timers", INVITATION_REMINDER, "KeyError: 'gathering_id'")
    assert set_aside_count("training", "timers") == before + 1
