"""A burst of deliveries drained by two racing workers: every one delivered exactly once."""

import asyncio
import time
from collections import Counter
from uuid import uuid4

import asyncpg

from notify.adapters.email import SmtpEmailSender
from notify.adapters.sms import FileSmsSender
from notify.adapters.templates import Renderer
from notify.bootstrap import delivery_worker
from notify.service_layer.worker import DeliveryWorker
from notify.settings import NotifySettings
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually

from .helpers import Publisher, member, uid
from .smtp import RecordingHandler
from .test_delivery import offer

SERVICE_OVERRIDES = {"delivery_worker_enabled": False, "contact_wait_seconds": 3600}
MEMBERS = 250  # an inbox and an e-mail delivery each: 500 deliveries


def worker(service: RunningService, smtp_port: int, sms_file: str) -> DeliveryWorker:
    settings = service.runtime.settings
    assert isinstance(settings, NotifySettings)
    settings = settings.model_copy(update={"delivery_batch_size": 40, "delivery_concurrency": 8})
    email = SmtpEmailSender(host="127.0.0.1", port=smtp_port, mail_from=settings.mail_from, pool_size=4)
    renderer = Renderer(app_url=settings.app_base_url)
    return delivery_worker(service.runtime, settings, renderer, email, FileSmsSender(sms_file))


async def _drain(w: DeliveryWorker) -> int:
    batches = 0
    while await w.run_once():
        batches += 1
    return batches


async def test_a_burst_is_drained_by_racing_workers_each_delivery_once(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool, tmp_path: object
) -> None:
    first, second = (worker(service, smtp.port, f"{tmp_path}/sms") for _ in range(2))
    await _drain(first)  # what other tests left due
    kari, visit = uid("m"), uid("v")
    await publish.event(member(kari), key=kari)
    await eventually(lambda: db.fetchval("SELECT true FROM contacts WHERE recipient = $1", f"member:{kari}"))
    await publish.event(offer(kari, visit), key=visit)
    await eventually(lambda: db.fetchval("SELECT count(*) = 2 FROM deliveries WHERE recipient = $1", f"member:{kari}"))
    template = await db.fetchrow("SELECT * FROM notices WHERE recipient = $1", f"member:{kari}")
    prefix = uid("burst")
    members = [f"{prefix}-{i}" for i in range(MEMBERS)]
    async with db.acquire() as conn, conn.transaction():
        await conn.executemany(
            """INSERT INTO contacts (recipient, name, first_name, email, phone, language)
               VALUES ($1, 'A B', 'A', $2, '', 'nb')""",
            [(f"member:{m}", f"{m}@example.org") for m in members],
        )
        for m in members:
            notice_id, event_id = uuid4(), uuid4()
            await conn.execute(
                """INSERT INTO notices (id, event_id, correlation_id, notice_type, recipient, subject, urgent, context,
                                        calendar) VALUES ($1, $2, 'burst', $3, $4, $5, false, $6, NULL)""",
                notice_id,
                event_id,
                template["notice_type"],
                f"member:{m}",
                template["subject"],
                template["context"],
            )
            await conn.executemany(
                """INSERT INTO deliveries (id, notice_id, event_id, recipient, channel) VALUES ($1, $2, $3, $4, $5)""",
                [(uuid4(), notice_id, event_id, f"member:{m}", ch) for ch in ("email", "inbox")],
            )
    before = len(smtp.messages)
    started = time.monotonic()
    await asyncio.gather(_drain(first), _drain(second), _drain(first), _drain(second))
    elapsed = time.monotonic() - started
    rows = await db.fetch(
        "SELECT channel, status, attempts FROM deliveries WHERE recipient LIKE $1", f"member:{prefix}-%"
    )
    assert len(rows) == 2 * MEMBERS
    assert Counter((r["channel"], r["status"], r["attempts"]) for r in rows) == {
        ("email", "sent", 1): MEMBERS,
        ("inbox", "sent", 1): MEMBERS,
    }
    addresses = (str(m["To"]).split("<")[-1].rstrip(">") for m in smtp.messages[before:])
    received = Counter(a for a in addresses if a.startswith(prefix))
    assert received == {f"{m}@example.org": 1 for m in members}
    inbox = await db.fetch("SELECT member_id FROM inbox_items WHERE member_id LIKE $1", f"{prefix}-%")
    assert Counter(r["member_id"] for r in inbox) == dict.fromkeys(members, 1)
    delivered = await db.fetchval(
        """SELECT count(*) FROM outbox WHERE envelope->>'type' = 'notification.delivered'
           AND envelope->'payload'->>'channel' = 'email' AND envelope->>'correlation_id' = 'burst'"""
    )
    assert delivered == MEMBERS
    print(f"\n{2 * MEMBERS} deliveries drained by two workers in {elapsed:.2f}s ({2 * MEMBERS / elapsed:.0f}/s)")
