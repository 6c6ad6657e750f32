"""A running service shows how far behind its subscriptions are (`outreach_consumer_lag`) at /metrics."""

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually


async def test_metrics_show_the_lag_of_each_subscription_on_the_partitions_it_holds(booking: RunningService) -> None:
    async def lag_lines() -> list[str]:
        text = (await booking.client.get("/metrics")).text
        return [line for line in text.splitlines() if line.startswith("outreach_consumer_lag{")]

    shown = await eventually(lag_lines)
    topics = {line.split('topic="', 1)[1].split('"', 1)[0] for line in shown}
    assert {"outreach.offers", "outreach.members"} <= topics, shown
    assert all(float(line.rsplit(" ", 1)[1]) >= 0 for line in shown)
