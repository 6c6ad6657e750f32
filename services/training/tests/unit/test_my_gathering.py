"""The member's state in a gathering, the codes people type, and the proof of training (pure domain)."""

from dataclasses import replace
from datetime import timedelta

import pytest
from training_factories import NOW, gathering

from training.domain.codes import ALPHABET, CHECK_IN_LENGTH, VERIFICATION_LENGTH, grouped, new_code, normalised
from training.domain.errors import GatheringNotFound, WrongGatheringState
from training.domain.gathering import Counts, GatheringStatus
from training.domain.my_gathering import MyGathering, MyState, certificate_of
from training.domain.registration import Needs, Registration, RegistrationStatus

PUBLISHED = gathering(status=GatheringStatus.PUBLISHED)


def registration(status: RegistrationStatus = RegistrationStatus.CONFIRMED, **changes: object) -> Registration:
    base = Registration("r1", PUBLISHED.id, "m1", status, Needs(), registered_at=NOW, check_in_code="K7QXM2PD")
    return replace(base, **changes)  # type: ignore[arg-type]


class TestCodes:
    def test_new_codes_use_the_alphabet_without_look_alikes(self) -> None:
        codes = {new_code(CHECK_IN_LENGTH) for _ in range(200)}
        assert len(codes) == 200 and all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
        assert not set("0O1I") & set(ALPHABET)

    def test_typed_codes_are_read_in_any_case_with_or_without_dashes_and_spaces(self) -> None:
        assert normalised(" k7qx-m2pd ", CHECK_IN_LENGTH) == "K7QXM2PD"
        assert normalised("K7QX M2PD", CHECK_IN_LENGTH) == "K7QXM2PD"
        assert normalised("K7QX-M2P0", CHECK_IN_LENGTH) is None
        assert normalised("K7QX-M2PDA", CHECK_IN_LENGTH) is None
        assert normalised("K7QX-M2PD", VERIFICATION_LENGTH) is None

    def test_codes_are_shown_in_groups_of_four(self) -> None:
        assert grouped("K7QXM2PD") == "K7QX-M2PD"
        assert grouped("K7QXM2PD4RTA9WXE") == "K7QX-M2PD-4RTA-9WXE"


class TestMyState:
    @pytest.mark.parametrize(
        ("status", "state"),
        [
            (RegistrationStatus.CONFIRMED, MyState.REGISTERED),
            (RegistrationStatus.WAITLISTED, MyState.WAITLISTED),
            (RegistrationStatus.OFFERED, MyState.OFFERED),
            (RegistrationStatus.WITHDRAWN, MyState.WITHDRAWN),
            (RegistrationStatus.LAPSED, MyState.WITHDRAWN),
        ],
    )
    def test_the_state_follows_the_registration(self, status: RegistrationStatus, state: MyState) -> None:
        assert MyGathering(PUBLISHED, Counts(), registration(status)).state == state

    def test_invited_checked_in_and_trained(self) -> None:
        arrived = registration(checked_in_at=NOW)
        assert MyGathering(PUBLISHED, Counts(), None).state == MyState.INVITED
        assert MyGathering(PUBLISHED, Counts(), arrived).state == MyState.CHECKED_IN
        completed = replace(PUBLISHED, status=GatheringStatus.COMPLETED, completed_at=NOW)
        assert MyGathering(completed, Counts(), arrived).state == MyState.TRAINED

    def test_the_check_in_code_is_shown_only_with_a_confirmed_place(self) -> None:
        assert MyGathering(PUBLISHED, Counts(), registration()).check_in_code == "K7QX-M2PD"
        for status in (RegistrationStatus.OFFERED, RegistrationStatus.WAITLISTED, RegistrationStatus.WITHDRAWN):
            assert MyGathering(PUBLISHED, Counts(), registration(status)).check_in_code is None

    def test_places_left_count_confirmed_and_offered_places(self) -> None:
        g = replace(PUBLISHED, capacity=5)
        assert MyGathering(g, Counts(registered=3, offered=1, waiting=4), None).places_left == 1
        assert MyGathering(g, Counts(registered=5, offered=1), None).places_left == 0

    def test_what_the_member_may_do_follows_the_windows(self) -> None:
        invited = MyGathering(PUBLISHED, Counts(), None)
        placed = MyGathering(PUBLISHED, Counts(), registration())
        assert invited.can_register(now=NOW) and not invited.can_withdraw(now=NOW)
        assert not placed.can_register(now=NOW) and placed.can_withdraw(now=NOW)
        late = PUBLISHED.schedule.withdrawal_deadline + timedelta(seconds=1)
        assert not placed.can_withdraw(now=late) and not invited.can_register(now=late)


class TestCertificate:
    def test_only_a_member_checked_in_at_a_completed_gathering_has_one(self) -> None:
        trained = registration(checked_in_at=NOW, verification_code="K7QXM2PD4RTA9WXE")
        with pytest.raises(WrongGatheringState):
            certificate_of(PUBLISHED, trained)
        completed = replace(PUBLISHED, status=GatheringStatus.COMPLETED, completed_at=NOW)
        with pytest.raises(GatheringNotFound):
            certificate_of(completed, registration())
        with pytest.raises(GatheringNotFound):
            certificate_of(completed, None)
        proof = certificate_of(completed, trained)
        assert (proof.verification_code, proof.completed_at) == ("K7QX-M2PD-4RTA-9WXE", NOW)
