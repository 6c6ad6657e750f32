"""Event handlers on a unit of work in memory: the notices they plan, the reminders they set."""

from datetime import UTC, datetime, timedelta

from notify.domain import reminders as r
from notify.domain.notices import NoticeType, Recipient
from notify.domain.recipients import Contact
from notify.service_layer import handlers
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.contracts.ambassadors import OfferMade
from outreach_shared.contracts.booking import VisitConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow

from .fakes import FakeDeliveries, FakeHoldings, FakeReadModels, FakeRenderer, FakeTimers, unit

START = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)
KARI = Recipient.member("m-1")


async def committed(uow: NotifyUnit) -> None:
    """What the transaction does just before it commits: the deferred planning of the batch's notices."""
    for work in uow.scope.deferred.values():
        await work.flush(uow.conn)


def offer() -> OfferMade:
    return OfferMade(offer_id="o-1", visit_id="v-1", member_id="m-1", window=TimeWindow(start=START, end=START +
                     timedelta(hours=2)), expires_at=START - timedelta(days=5), reason="nearest", kind="school_visit",
                     school_name="Nordstrand skole", kommunenummer="0301", language="nb")  # fmt: skip


async def test_an_offer_plans_the_members_notice_with_its_inbox_item_once_the_batch_commits() -> None:
    deliveries = FakeDeliveries()
    read_models = FakeReadModels(Contact(KARI, "Kari Nordmann", "Kari", "kari@example.org", "", "nb"))
    uow = unit(deliveries=deliveries, read_models=read_models, holdings=FakeHoldings())
    uow.renderer = FakeRenderer()
    await handlers.on_offer_made(uow, offer())
    assert deliveries.planned == []  # planned with the rest of the batch, just before the commit
    await committed(uow)
    (notice,) = deliveries.planned
    assert (notice.draft.notice_type, notice.draft.recipient, notice.event_id) == (
        NoticeType.VISIT_OFFERED, KARI, uow.event_id)
    assert sorted(notice.channels) == ["email", "inbox"]
    assert notice.inbox == ("visit_offered (nb) to Kari", "text")
    assert read_models.visits["v-1"].school_name == "Nordstrand skole"


async def test_an_erased_member_is_planned_nothing() -> None:
    deliveries, read_models = FakeDeliveries(), FakeReadModels()
    read_models.erased.add(KARI)
    uow = unit(deliveries=deliveries, read_models=read_models, holdings=FakeHoldings())
    await handlers.on_offer_made(uow, offer())
    await committed(uow)
    assert deliveries.planned == []


async def test_a_confirmed_visit_invites_school_and_team_and_sets_their_reminders() -> None:
    deliveries, holdings, timers = FakeDeliveries(), FakeHoldings(), FakeTimers()
    members = FakeReadModels()
    await members.upsert_contact(Contact(KARI, "Kari Nordmann", "Kari", "kari@example.org", "+4791234567", "nb"))
    uow = unit(deliveries=deliveries, read_models=members, holdings=holdings, timers=timers)
    confirmed = VisitConfirmed(
        visit_id="v-1", scheduled=TimeWindow(start=START, end=START + timedelta(hours=2)),
        team=[TeamMember(member_id="m-1", profession="nurse")], orgnr="974760673",
        school_name="Nordstrand skole", school_address="Oslo", kommunenummer="0301", kind="school_visit",
        language="nb", calendar_sequence=3,
    )  # fmt: skip
    await handlers.on_visit_confirmed(uow, confirmed)
    await committed(uow)
    invited = {p.draft.recipient: p for p in deliveries.planned}
    assert set(invited) == {Recipient.school("v-1"), KARI}
    assert invited[Recipient.school("v-1")].draft.context["team"] == ["Kari"]  # from the members notify keeps
    for planned in invited.values():
        assert planned.calendar is not None
        assert "METHOD:REQUEST" in planned.calendar and "SEQUENCE:3" in planned.calendar
    assert {recipient for _, recipient in holdings.held} == {Recipient.school("v-1"), KARI}
    keys = {key for kind, key in timers.pending if kind == r.VISIT_REMINDER}
    assert keys == {"visit:v-1:member:m-1:P7D", "visit:v-1:member:m-1:P1D", "visit:v-1:school:P2D",
                    "visit:v-1:school:after-PT7200S"}  # fmt: skip
