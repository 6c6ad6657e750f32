"""A starting service waits for PostgreSQL and Kafka (restarting with it) rather than exiting."""

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError
from psycopg import OperationalError

from outreach_shared.startup import until_reachable


class FakeClock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(times: int, error: Exception):  # noqa: ANN201
    calls = {"n": 0}

    async def step() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return "up"

    return step, calls


@pytest.mark.parametrize("error", [KafkaConnectionError("Unable to bootstrap"), ConnectionRefusedError(111, "refused"),
                                   OperationalError("connection failed"), asyncpg.CannotConnectNowError("starting up")])
async def test_a_step_that_cannot_reach_its_server_is_tried_again_with_growing_backoff(error: Exception) -> None:
    clock = FakeClock()
    step, calls = failing(4, error)
    assert await until_reachable(step, what="kafka", wait_seconds=60, sleep=clock.sleep, clock=clock) == "up"
    assert calls["n"] == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]


async def test_the_backoff_stops_growing_at_five_seconds() -> None:
    clock = FakeClock()
    step, _ = failing(6, KafkaConnectionError("down"))
    await until_reachable(step, what="kafka", wait_seconds=60, sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


async def test_the_start_gives_up_with_the_last_error_once_the_wait_is_over() -> None:
    clock = FakeClock()
    step, calls = failing(1000, KafkaConnectionError("still down"))
    with pytest.raises(KafkaConnectionError, match="still down"):
        await until_reachable(step, what="kafka", wait_seconds=10, sleep=clock.sleep, clock=clock)
    assert clock.now <= 10
    assert calls["n"] == len(clock.sleeps) + 1 > 3


async def test_an_error_that_waiting_cannot_mend_fails_the_start_at_once() -> None:
    clock = FakeClock()
    step, calls = failing(1, asyncpg.InvalidPasswordError("password authentication failed"))
    with pytest.raises(asyncpg.InvalidPasswordError):
        await until_reachable(step, what="postgres", wait_seconds=60, sleep=clock.sleep, clock=clock)
    assert calls["n"] == 1 and clock.sleeps == []
