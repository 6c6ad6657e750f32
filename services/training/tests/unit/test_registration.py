"""Places, the waiting list and who may register or accept an offer."""

from datetime import timedelta

import pytest
from training_factories import NOW

from training.domain.errors import RegistrationRefused, WrongGatheringState
from training.domain.registration import (
    Needs,
    Occupancy,
    Registration,
    RegistrationStatus,
    check_may_accept,
    check_may_register,
)


def registration(status: RegistrationStatus, **changes: object) -> Registration:
    base: dict[str, object] = {
        "id": "r-1",
        "gathering_id": "g-1",
        "member_id": "m-1",
        "status": status,
        "needs": Needs(),
        "registered_at": NOW,
    }
    return Registration(**{**base, **changes})  # type: ignore[arg-type]


def test_a_newcomer_gets_a_place_while_places_remain() -> None:
    assert Occupancy(capacity=5, holding=4, waiting=0).status_for_newcomer() == RegistrationStatus.CONFIRMED


def test_a_newcomer_waits_when_full() -> None:
    assert Occupancy(capacity=5, holding=5, waiting=0).status_for_newcomer() == RegistrationStatus.WAITLISTED


def test_a_newcomer_does_not_jump_the_queue() -> None:
    assert Occupancy(capacity=5, holding=4, waiting=1).status_for_newcomer() == RegistrationStatus.WAITLISTED


def test_offers_as_many_places_as_are_free_and_wanted() -> None:
    assert Occupancy(capacity=5, holding=3, waiting=1).places_to_offer() == 1
    assert Occupancy(capacity=5, holding=3, waiting=4).places_to_offer() == 2
    assert Occupancy(capacity=5, holding=6, waiting=4).places_to_offer() == 0


def test_refuses_members_not_invited() -> None:
    with pytest.raises(RegistrationRefused, match="not invited"):
        check_may_register(invited=False, existing=None)


@pytest.mark.parametrize("status", [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED])
def test_refuses_registering_twice(status: RegistrationStatus) -> None:
    with pytest.raises(RegistrationRefused, match="already registered"):
        check_may_register(invited=True, existing=registration(status))


def test_a_withdrawn_member_may_register_again() -> None:
    check_may_register(invited=True, existing=registration(RegistrationStatus.WITHDRAWN))


def test_accepting_needs_an_open_offer() -> None:
    offered = registration(RegistrationStatus.OFFERED, offer_expires_at=NOW + timedelta(hours=1))
    check_may_accept(offered, now=NOW)
    with pytest.raises(WrongGatheringState, match="lapsed"):
        check_may_accept(offered, now=NOW + timedelta(hours=1))
    with pytest.raises(WrongGatheringState, match="no place offered"):
        check_may_accept(registration(RegistrationStatus.WAITLISTED), now=NOW)
