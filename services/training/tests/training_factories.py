"""Builders of domain objects for unit tests."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from outreach_shared.contracts.common import Venue
from training.domain.gathering import Gathering
from training.domain.schedule import Schedule

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def schedule(**changes: Any) -> Schedule:
    """Registration open now for 30 days; the gathering 40 days ahead, two days long."""
    base = Schedule(
        starts_at=NOW + timedelta(days=40),
        ends_at=NOW + timedelta(days=41),
        registration_opens=NOW - timedelta(days=1),
        registration_closes=NOW + timedelta(days=30),
        withdrawal_deadline=NOW + timedelta(days=35),
    )
    return replace(base, **changes)


def gathering(**changes: Any) -> Gathering:
    """A valid draft gathering for nurses in Agder (42)."""
    base = Gathering(
        id="g-1",
        title="Samling Sør 2025",
        venue=Venue(name="Hotell", address="Gate 1", kommunenummer="4204"),
        region=("42",),
        audience=("nurse",),
        capacity=5,
        schedule=schedule(),
    )
    return replace(base, **changes)
