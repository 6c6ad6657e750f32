"""Ambassadors' timers: one whose payload no longer fits its handler is set aside with the reason, and the timers due
around it fire all the same."""

import uuid

from ambassadors.service_layer.staffing import OFFER_EXPIRY
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.set_aside import listed_set_aside, plant_timers, set_aside_count, timer_statuses
from outreach_dev.testing.waiting import eventually


async def test_an_offer_expiry_timer_that_cannot_fire_is_set_aside_and_those_around_it_fire(
    ambassadors_service: RunningService,
) -> None:
    run = uuid.uuid4().hex[:8]
    keys = [f"bulkhead-{run}-{n}" for n in range(3)]
    bad = keys[1]
    before = set_aside_count("ambassadors", "timers")
    await plant_timers(ambassadors_service.runtime.pool, OFFER_EXPIRY, [
        (keys[0], {"offer_id": str(uuid.uuid4())}),  # offers answered long ago: firing changes nothing
        (bad, {"offer": "a payload of an older shape"}),
        (keys[2], {"offer_id": str(uuid.uuid4())}),
    ])  # fmt: skip

    async def settled() -> dict[str, str] | None:
        statuses = await timer_statuses(ambassadors_service.runtime.pool, OFFER_EXPIRY, keys)
        return statuses if "pending" not in statuses.values() else None

    assert await eventually(settled, timeout=15) == {keys[0]: "done", bad: "failed", keys[2]: "done"}
    (item,) = await listed_set_aside(ambassadors_service, bad)
    assert (item["loop"], item["kind"], item["reason"]) == ("timers", OFFER_EXPIRY, "KeyError: 'offer_id'")
    assert set_aside_count("ambassadors", "timers") == before + 1
