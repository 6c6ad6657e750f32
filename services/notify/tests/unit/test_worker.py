"""The delivery worker on ports in memory: what it sends, what it records, and what it sets aside."""

from notify.domain.notices import Recipient
from notify.domain.recipients import Contact
from notify.domain.rendered import Email
from notify.service_layer.worker import DeliveryWorker, WorkerConfig

from .fakes import FakeReadModels, FakeRenderer, RecordingEmail, RecordingSms, Store, delivery

KARI = Recipient.member("m-1")
OLA = Recipient.member("m-2")


def store_with_contacts() -> Store:
    return Store(read_models=FakeReadModels(
        Contact(KARI, "Kari Nordmann", "Kari", "kari@example.org", "+4791234567", "nb"),
        Contact(OLA, "Ola Nordmann", "Ola", "ola@example.org", "+4798765432", "en"),
    ))  # fmt: skip


def worker(store: Store, email: RecordingEmail, sms: RecordingSms | None = None) -> DeliveryWorker:
    return DeliveryWorker(store.units(), WorkerConfig(), FakeRenderer(), email, sms or RecordingSms(), store.clock)


def event_types(store: Store) -> list[tuple[str, str]]:
    return [(e.type, e.key) for e in store.emitted]


async def test_a_due_email_is_sent_with_its_stable_message_id_and_recorded_sent() -> None:
    store, email = store_with_contacts(), RecordingEmail()
    due = store.deliveries.add(delivery(KARI))
    assert await worker(store, email).run_once()
    (sent,) = email.sent
    assert (sent.to, sent.to_name, sent.message_id) == ("kari@example.org", "Kari", f"<{due.id}@notify.jobbvinner.no>")
    assert sent.rendered.subject == "visit_offered (nb) to Kari"
    row = store.deliveries.rows[due.id]
    assert (row.status, row.attempts) == ("sent", 1)
    assert event_types(store) == [("notification.delivered", str(due.id))]
    assert store.emitted[0].correlation_id == "c-1" and store.emitted[0].causation_id == str(due.event_id)


async def test_a_delivery_that_cannot_be_rendered_is_set_aside_and_the_next_is_sent() -> None:
    store, email = store_with_contacts(), RecordingEmail()
    broken = store.deliveries.add(delivery(KARI, broken=True))
    fine = store.deliveries.add(delivery(OLA))
    await worker(store, email).run_once()
    assert [e.to for e in email.sent] == ["ola@example.org"]
    set_aside = store.deliveries.rows[broken.id]
    assert (set_aside.status, set_aside.attempts, set_aside.set_aside) == ("failed", 1, True)
    assert set_aside.last_error == "set aside: OverflowError: date value out of range"
    assert store.deliveries.rows[fine.id].status == "sent"
    assert sorted(event_types(store)) == sorted([("notification.failed", str(broken.id)),
                                                 ("notification.delivered", str(fine.id))])  # fmt: skip


async def test_a_refused_urgent_email_fails_for_good_and_falls_back_to_sms() -> None:
    store, email, sms = store_with_contacts(), RecordingEmail("kari@example.org"), RecordingSms()
    urgent = store.deliveries.add(delivery(KARI, urgent=True))
    the_worker = worker(store, email, sms)
    while await the_worker.run_once():
        pass
    failed = store.deliveries.rows[urgent.id]
    assert (failed.status, failed.last_error) == ("failed", "SMTP 550 5.1.1 No such user")
    (fallback,) = [r for r in store.deliveries.rows.values() if r.delivery.fallback_of == urgent.id]
    assert (fallback.delivery.channel, fallback.status) == ("sms", "sent")
    assert sms.sent == [("+4791234567", "sms")] and email.sent == []


async def test_a_delivery_to_someone_not_yet_known_waits_for_their_contact() -> None:
    store, email = Store(), RecordingEmail()
    waiting = store.deliveries.add(delivery(KARI))
    await worker(store, email).run_once()
    row = store.deliveries.rows[waiting.id]
    assert (row.status, row.waiting_for, row.attempts) == ("held", "contact", 0)
    assert email.sent == [] and store.emitted == []


async def test_an_inbox_delivery_is_written_to_the_members_inbox() -> None:
    store = store_with_contacts()
    item = store.deliveries.add(delivery(OLA, "inbox"))
    assert await worker(store, RecordingEmail()).deliver_inbox_once()
    (written,) = store.deliveries.inbox
    assert (written.delivery_id, written.member_id, written.title) == (item.id, "m-2", "visit_offered (en) to Ola")
    assert store.deliveries.rows[item.id].status == "sent"


class UnbuildableFor(RecordingEmail):
    """A provider whose message to one address cannot be built (the email package refuses a value)."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    async def send(self, email: Email) -> None:
        if email.to == self.address:
            raise ValueError("invalid arguments; address parts cannot contain CR or LF")
        await super().send(email)


async def test_a_message_that_cannot_be_built_fails_for_good_and_the_others_are_sent() -> None:
    store = store_with_contacts()
    broken = store.deliveries.add(delivery(KARI))
    fine = store.deliveries.add(delivery(OLA))
    email = UnbuildableFor("kari@example.org")
    assert await worker(store, email).run_once()
    failed = store.deliveries.rows[broken.id]
    assert (failed.status, failed.attempts) == ("failed", 1)  # permanent: no retry would build it
    assert failed.last_error == "internal: ValueError: invalid arguments; address parts cannot contain CR or LF"
    assert [e.to for e in email.sent] == ["ola@example.org"] and store.deliveries.rows[fine.id].status == "sent"
