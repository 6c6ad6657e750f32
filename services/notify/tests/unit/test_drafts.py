"""Which notices each event makes, for whom, and which reminders it sets."""

from datetime import UTC, datetime, timedelta

from notify.domain import drafts as d
from notify.domain.notices import NoticeType
from notify.domain.scheduling import from_payload, gathering_reminders, to_payload, visit_reminders
from outreach_shared.contracts.ambassadors import MemberReleased, OfferWithdrawn
from outreach_shared.contracts.booking import VisitCancelled, VisitConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow, Venue
from outreach_shared.contracts.training import GatheringCancelled, RegistrationConfirmed

NOW = datetime(2025, 10, 1, 10, 0, tzinfo=UTC)


def confirmed(start: datetime) -> VisitConfirmed:
    return VisitConfirmed(
        visit_id="v-1",
        scheduled=TimeWindow(start=start, end=start + timedelta(hours=2)),
        team=[
            TeamMember(member_id="m-1", first_name="Kari", profession="nurse"),
            TeamMember(member_id="m-2", first_name="Ola", profession="health_worker"),
        ],
        orgnr="974760673",
        school_name="Nordstrand skole",
        school_address="Oslo",
        kommunenummer="0301",
        kind="school_visit",
        language="nb",
        calendar_sequence=2,
    )


def test_a_confirmation_goes_to_the_school_and_each_member_with_the_invitation() -> None:
    drafts = d.visit_confirmed(confirmed(NOW + timedelta(days=10)), NOW)
    assert [(x.notice_type, x.recipient.key) for x in drafts] == [
        (NoticeType.VISIT_CONFIRMED_SCHOOL, "school:v-1"),
        (NoticeType.VISIT_CONFIRMED_MEMBER, "member:m-1"),
        (NoticeType.VISIT_CONFIRMED_MEMBER, "member:m-2"),
    ]
    assert all(x.calendar and x.calendar.sequence == 2 for x in drafts)
    assert drafts[0].context["team"] == ["Kari", "Ola"]


def test_reminders_members_a_week_and_a_day_before_school_two_days_before_and_thanks_after() -> None:
    p = confirmed(NOW + timedelta(days=10))
    plan = visit_reminders(
        p,
        member_offsets=[timedelta(days=7), timedelta(days=1)],
        school_offsets=[timedelta(days=2)],
        thank_you_after=timedelta(hours=2),
        now=NOW,
    )
    got = {(rem.key, draft.notice_type, rem.due_at - p.scheduled.start) for rem, draft in plan}
    assert got == {
        ("visit:v-1:member:m-1:P7D", NoticeType.VISIT_REMINDER_MEMBER, -timedelta(days=7)),
        ("visit:v-1:member:m-1:P1D", NoticeType.VISIT_REMINDER_MEMBER, -timedelta(days=1)),
        ("visit:v-1:member:m-2:P7D", NoticeType.VISIT_REMINDER_MEMBER, -timedelta(days=7)),
        ("visit:v-1:member:m-2:P1D", NoticeType.VISIT_REMINDER_MEMBER, -timedelta(days=1)),
        ("visit:v-1:school:P2D", NoticeType.VISIT_REMINDER_SCHOOL, -timedelta(days=2)),
        ("visit:v-1:school:after-PT7200S", NoticeType.VISIT_THANK_YOU, timedelta(hours=4)),
    }


def test_reminders_already_past_are_not_set() -> None:
    plan = visit_reminders(
        confirmed(NOW + timedelta(days=3)),
        member_offsets=[timedelta(days=7), timedelta(days=1)],
        school_offsets=[timedelta(days=2)],
        thank_you_after=timedelta(hours=2),
        now=NOW,
    )
    assert sorted(rem.key for rem, _ in plan) == [
        "visit:v-1:member:m-1:P1D",
        "visit:v-1:member:m-2:P1D",
        "visit:v-1:school:P2D",
        "visit:v-1:school:after-PT7200S",
    ]


def test_a_reminder_survives_the_timer_payload_round_trip() -> None:
    p = confirmed(NOW + timedelta(days=10))
    _, draft = visit_reminders(
        p, member_offsets=[timedelta(days=1)], school_offsets=[], thank_you_after=timedelta(hours=2), now=NOW
    )[0]
    assert from_payload(to_payload(draft)) == draft


def test_a_late_cancellation_also_goes_to_every_organiser() -> None:
    p = VisitCancelled(visit_id="v-1", reason="Stengt", cancelled_by="school", was_confirmed=True, late=True)
    drafts = d.visit_cancelled(p, None, ["a@ks.no", "b@ks.no"], NOW)
    assert [x.recipient.key for x in drafts] == ["school:v-1", "organiser:a@ks.no", "organiser:b@ks.no"]
    assert all(x.urgent for x in drafts)
    on_time = d.visit_cancelled(p.model_copy(update={"late": False}), None, ["a@ks.no"], NOW)
    assert [x.recipient.key for x in on_time] == ["school:v-1"]


def withdrawn(**kw: object) -> OfferWithdrawn:
    window = TimeWindow(start=NOW + timedelta(hours=20), end=NOW + timedelta(hours=22))
    return OfferWithdrawn(offer_id="o-1", visit_id="v-1", member_id="m-1", reason="sick child", window=window, **kw)


def test_a_late_withdrawal_by_a_member_goes_to_every_organiser_and_not_to_the_member() -> None:
    drafts = d.offer_closed(withdrawn(by_member=True, late=True), None, ["a@ks.no", "b@ks.no"])
    assert [(x.notice_type, x.recipient.key) for x in drafts] == [
        (NoticeType.ORGANISER_LATE_WITHDRAWAL, "organiser:a@ks.no"),
        (NoticeType.ORGANISER_LATE_WITHDRAWAL, "organiser:b@ks.no"),
    ]
    assert drafts[0].urgent and drafts[0].context["reason"] == "sick child"
    assert drafts[0].context["start"] == (NOW + timedelta(hours=20)).isoformat()


def test_a_timely_withdrawal_by_a_member_tells_nobody_here_and_a_withdrawn_open_offer_tells_the_member() -> None:
    assert d.offer_closed(withdrawn(by_member=True, late=False), None, ["a@ks.no"]) == []
    (draft,) = d.offer_closed(withdrawn(), None, ["a@ks.no"])
    assert (draft.notice_type, draft.recipient.key) == (NoticeType.OFFER_WITHDRAWN, "member:m-1")


def test_a_release_on_the_day_of_the_visit_is_urgent_and_names_the_school() -> None:
    visit = d.VisitInfo("v-1", school_name="Nordstrand skole")
    window = TimeWindow(start=NOW + timedelta(hours=3), end=NOW + timedelta(hours=4))
    (draft,) = d.member_released(MemberReleased(visit_id="v-1", member_id="m-1", reason="x", window=window), visit, NOW)
    assert draft.urgent and draft.context["school_name"] == "Nordstrand skole" and draft.context["same_day"]


def test_a_cancelled_gathering_tells_every_member() -> None:
    p = GatheringCancelled(gathering_id="g-1", title="Årssamling", reason="x", member_ids=["m-1", "m-2"])
    assert [x.recipient.key for x in d.gathering_cancelled(p)] == ["member:m-1", "member:m-2"]


def test_gathering_reminders_are_keyed_per_member_so_a_withdrawal_cancels_only_theirs() -> None:
    p = RegistrationConfirmed(
        gathering_id="g-1",
        member_id="m-1",
        title="Årssamling",
        starts_at=NOW + timedelta(days=30),
        ends_at=NOW + timedelta(days=31),
        venue=Venue(name="Grand", address="Bergen", kommunenummer="4601"),
    )
    keys = [rem.key for rem, _ in gathering_reminders(p, [timedelta(days=7), timedelta(days=1)], NOW)]
    assert keys == ["gathering:g-1:member:m-1:P7D", "gathering:g-1:member:m-1:P1D"]
