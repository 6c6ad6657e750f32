"""The gathering's lifecycle, eligibility and the windows in which members may act."""

from datetime import timedelta

import pytest
from training_factories import NOW, gathering, schedule

from training.domain.errors import RegistrationRefused, WrongGatheringState
from training.domain.gathering import GatheringStatus
from training.domain.roster import RosterMember


def member(**changes: object) -> RosterMember:
    base = {"member_id": "m-1", "profession": "nurse", "county": "42", "active": True}
    return RosterMember(**{**base, **changes})  # type: ignore[arg-type]


class TestEligibility:
    def test_invites_active_members_of_the_audience_in_the_region(self) -> None:
        assert gathering().invites(member())

    def test_does_not_invite_other_regions_professions_or_inactive_members(self) -> None:
        g = gathering()
        assert not g.invites(member(county="03"))
        assert not g.invites(member(profession="health_worker"))
        assert not g.invites(member(active=False))

    def test_an_empty_region_is_national(self) -> None:
        assert gathering(region=()).invites(member(county="03"))


class TestLifecycle:
    def test_publishing_a_draft(self) -> None:
        assert gathering().publish(now=NOW).status == GatheringStatus.PUBLISHED

    def test_cannot_publish_twice_or_after_registration_closed(self) -> None:
        with pytest.raises(WrongGatheringState):
            gathering().publish(now=NOW).publish(now=NOW)
        with pytest.raises(WrongGatheringState, match="closed"):
            gathering().publish(now=NOW + timedelta(days=31))

    def test_only_a_draft_can_be_revised(self) -> None:
        with pytest.raises(WrongGatheringState):
            gathering().publish(now=NOW).revise(title="x")

    def test_completion_needs_a_started_published_gathering(self) -> None:
        published = gathering().publish(now=NOW)
        with pytest.raises(WrongGatheringState, match="not started"):
            published.complete(now=NOW)
        assert published.complete(now=NOW + timedelta(days=41)).status == GatheringStatus.COMPLETED
        with pytest.raises(WrongGatheringState):
            gathering().complete(now=NOW + timedelta(days=41))

    def test_a_completed_gathering_cannot_be_cancelled(self) -> None:
        done = gathering().publish(now=NOW).complete(now=NOW + timedelta(days=41))
        with pytest.raises(WrongGatheringState):
            done.cancel("late")

    def test_the_year_is_the_norwegian_year_it_starts(self) -> None:
        s = schedule(starts_at=schedule().starts_at.replace(month=12, day=31, hour=23, minute=30))
        assert gathering(schedule=s).year == s.starts_at.year + 1


class TestWindows:
    def test_registration_is_refused_before_it_opens_and_after_it_closes(self) -> None:
        g = gathering().publish(now=NOW)
        g.check_registration_open(now=NOW)
        with pytest.raises(RegistrationRefused, match="not opened"):
            g.check_registration_open(now=NOW - timedelta(days=2))
        with pytest.raises(RegistrationRefused, match="closed"):
            g.check_registration_open(now=NOW + timedelta(days=30))

    def test_withdrawal_is_refused_after_the_deadline(self) -> None:
        g = gathering().publish(now=NOW)
        g.check_withdrawal_allowed(now=NOW + timedelta(days=34))
        with pytest.raises(WrongGatheringState, match="deadline"):
            g.check_withdrawal_allowed(now=NOW + timedelta(days=35))

    def test_check_in_opens_the_day_before(self) -> None:
        g = gathering().publish(now=NOW)
        with pytest.raises(WrongGatheringState):
            g.check_check_in_allowed(now=NOW)
        g.check_check_in_allowed(now=NOW + timedelta(days=39))

    def test_an_offer_never_outlives_the_start(self) -> None:
        g = gathering()
        assert g.offer_expiry(now=NOW, ttl=timedelta(hours=48)) == NOW + timedelta(hours=48)
        late = g.schedule.starts_at - timedelta(hours=1)
        assert g.offer_expiry(now=late, ttl=timedelta(hours=48)) == g.schedule.starts_at

    def test_the_reminder_is_due_a_week_before_registration_closes(self) -> None:
        assert gathering().reminder_due_at == NOW + timedelta(days=23)
