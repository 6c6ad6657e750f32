"""A restart mid-send: what is repeated is at most the attempt whose acknowledgement was never recorded."""

import asyncio
import time
from typing import Any

import asyncpg
import pytest

from notify.adapters.email import SmtpEmailSender
from notify.adapters.sms import FileSmsSender
from notify.adapters.templates import Renderer
from notify.bootstrap import delivery_worker
from notify.domain.rendered import Email
from notify.service_layer import worker as worker_module
from notify.service_layer.ports import EmailSender
from notify.service_layer.unit_of_work import NotifyUnit
from notify.service_layer.worker import DeliveryWorker
from notify.settings import NotifySettings
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually

from .helpers import Publisher, member, uid
from .smtp import RecordingHandler
from .test_delivery import offer

SERVICE_OVERRIDES = {
    "delivery_worker_enabled": False,
    "delivery_lease_seconds": 0.5,
    "delivery_reclaim_grace_seconds": 0,  # a restarted worker takes expired leases over at once (one test sets it)
    "contact_wait_seconds": 3600,
}


class Crash(BaseException):
    """The process dies here (nothing after it runs)."""


class CrashingEmail:
    """Crashes before or after handing the message to the real SMTP server."""

    def __init__(self, real: SmtpEmailSender, *, after_accept: bool) -> None:
        self._real = real
        self._after = after_accept

    async def send(self, email: Email) -> None:
        if self._after:
            await self._real.send(email)
        raise Crash()


def worker(service: RunningService, email: EmailSender, tmp: str, **overrides: Any) -> DeliveryWorker:
    settings = service.runtime.settings
    assert isinstance(settings, NotifySettings)
    settings = settings.model_copy(update=overrides)
    renderer = Renderer(app_url=settings.app_base_url)
    return delivery_worker(service.runtime, settings, renderer, email, FileSmsSender(tmp))


async def _offer_pending(service: RunningService, publish: Publisher, db: asyncpg.Pool) -> str:
    kari, visit = uid("m"), uid("v")
    await publish.event(member(kari), key=kari)
    await eventually(lambda: db.fetchval("SELECT true FROM contacts WHERE recipient = $1", f"member:{kari}"))
    await publish.event(offer(kari, visit), key=visit)
    await eventually(lambda: db.fetchval("SELECT count(*) = 2 FROM deliveries WHERE recipient = $1", f"member:{kari}"))
    return kari


async def _email(db: asyncpg.Pool, kari: str) -> asyncpg.Record:
    return await db.fetchrow("SELECT * FROM deliveries WHERE recipient = $1 AND channel = 'email'", f"member:{kari}")


@pytest.mark.parametrize("after_accept", [False, True], ids=["crash-before-accept", "crash-after-accept"])
async def test_restart_mid_send_repeats_only_the_unrecorded_attempt(
    service: RunningService,
    publish: Publisher,
    smtp: RecordingHandler,
    db: asyncpg.Pool,
    tmp_path: object,
    after_accept: bool,
) -> None:
    real = SmtpEmailSender(host="127.0.0.1", port=smtp.port, mail_from=service.runtime.settings.mail_from)
    while await worker(service, real, f"{tmp_path}/sms").run_once():  # drain what other tests left due
        pass
    kari = await _offer_pending(service, publish, db)
    first = worker(service, CrashingEmail(real, after_accept=after_accept), f"{tmp_path}/sms")
    with pytest.raises(Crash):
        while await first.run_once():
            pass
    crashed = await _email(db, kari)
    assert (crashed["status"], crashed["attempts"]) == ("sending", 1)
    assert len(smtp.to(f"{kari}@example.org")) == (1 if after_accept else 0)

    restarted = worker(service, real, f"{tmp_path}/sms")

    async def sent() -> bool:
        await restarted.run_once()
        return (await _email(db, kari))["status"] == "sent"

    await eventually(sent)
    assert (await _email(db, kari))["attempts"] == 2
    messages = smtp.to(f"{kari}@example.org")
    assert len(messages) == (2 if after_accept else 1)
    assert len({m["Message-ID"] for m in messages}) == 1  # a duplicate is recognisably the same message


async def test_a_send_whose_outcome_waits_for_the_database_is_not_claimed_again_when_its_lease_runs_out(
    service: RunningService,
    publish: Publisher,
    smtp: RecordingHandler,
    db: asyncpg.Pool,
    tmp_path: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = SmtpEmailSender(host="127.0.0.1", port=smtp.port, mail_from=service.runtime.settings.mail_from)
    the_worker = worker(service, real, f"{tmp_path}/sms")
    while await the_worker.run_once():  # drain what other tests left due
        pass
    kari = await _offer_pending(service, publish, db)
    while await the_worker.deliver_inbox_once():
        pass
    database_away = asyncio.Event()
    database_away.set()
    record = worker_module.record_outcomes

    async def record_when_back(uow: NotifyUnit, outcomes: Any) -> Any:
        if database_away.is_set():
            raise OSError("the database is away")
        return await record(uow, outcomes)

    monkeypatch.setattr(worker_module, "record_outcomes", record_when_back)
    first_loop = asyncio.create_task(the_worker.send_once())  # sends, then retries recording the outcome
    async def handed_over() -> bool:
        return len(smtp.to(f"{kari}@example.org")) == 1

    await eventually(handed_over)
    await asyncio.sleep(1.0)  # twice the lease: the delivery is due again in the database
    assert (await _email(db, kari))["status"] == "sending"
    second_loop = asyncio.create_task(the_worker.send_once())
    await asyncio.wait({second_loop}, timeout=5)
    if not second_loop.done():  # it claimed the delivery, sent it again and now waits to record that too
        second_loop.cancel()
    assert second_loop.done() and not second_loop.cancelled() and not second_loop.result(), (
        "another loop of the same worker claimed the unrecorded send again")
    database_away.clear()
    assert await first_loop
    email = await _email(db, kari)
    assert (email["status"], email["attempts"]) == ("sent", 1)
    assert len(smtp.to(f"{kari}@example.org")) == 1


class DatabaseAway:
    """Wraps a worker's units of work: while `away`, opening one fails as a refused connection does."""

    def __init__(self) -> None:
        self.away = False

    def around(self, the_worker: DeliveryWorker) -> DeliveryWorker:
        units = the_worker._units

        def open_unit() -> Any:
            if self.away:
                raise ConnectionRefusedError(111, "the database is away")
            return units()

        the_worker._units = open_unit
        return the_worker


async def test_after_a_database_outage_longer_than_the_lease_the_holder_records_before_another_instance_resends(
    service: RunningService,
    publish: Publisher,
    smtp: RecordingHandler,
    db: asyncpg.Pool,
    tmp_path: object,
) -> None:
    real = SmtpEmailSender(host="127.0.0.1", port=smtp.port, mail_from=service.runtime.settings.mail_from)
    drain = worker(service, real, f"{tmp_path}/sms")
    while await drain.run_once():  # what other tests left due
        pass
    kari = await _offer_pending(service, publish, db)
    database = DatabaseAway()
    holder = database.around(worker(service, real, f"{tmp_path}/sms", delivery_reclaim_grace_seconds=2))
    other_instance = database.around(worker(service, real, f"{tmp_path}/sms", delivery_reclaim_grace_seconds=2))
    claimed = await holder.claim()
    assert claimed and {out.delivery.recipient.key for out in claimed} == {f"member:{kari}"}
    database.away = True  # it goes away between the holder's claim and its record
    holding = asyncio.create_task(holder._send_and_record(claimed, time.monotonic() + 60))

    async def handed_over() -> bool:
        return len(smtp.to(f"{kari}@example.org")) == 1

    await eventually(handed_over)
    with pytest.raises(ConnectionRefusedError):  # the other instance polls meanwhile, and fails
        await other_instance.send_once()
    await asyncio.sleep(1.0)  # twice the lease: in the database, the delivery looks orphaned
    database.away = False
    await other_instance.send_once()  # first to the database, before the holder's record retry
    await asyncio.wait_for(holding, 5)
    email = await _email(db, kari)
    assert (email["status"], email["attempts"]) == ("sent", 1)
    assert len(smtp.to(f"{kari}@example.org")) == 1, "the other instance sent the holder's unrecorded mail again"
