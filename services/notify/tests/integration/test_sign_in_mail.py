"""The portal's sign-in link reaches the address as an e-mail in the language asked for; notify keeps the link
only until the mail went."""

from datetime import UTC, datetime, timedelta

import asyncpg

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.portal import SignInLinkRequested

from .helpers import Publisher, uid
from .smtp import RecordingHandler


async def test_the_link_is_mailed_in_nynorsk_and_forgotten_once_sent(
    service: RunningService, publish: Publisher, smtp: RecordingHandler, db: asyncpg.Pool
) -> None:
    email = f"{uid('kari')}@example.no"
    link = "http://localhost:8000/login/link/" + "C" * 43
    expires = datetime.now(UTC) + timedelta(minutes=15)
    await publish.event(SignInLinkRequested(email=email, link=link, expires_at=expires, language="nn"), key=uid("k"))
    (mail,) = await eventually(lambda: smtp.to(email))
    assert str(mail["Subject"]) == "Logg inn på Jobbvinner"
    assert link in mail.get_body(("plain",)).get_content() and "éin gong" in mail.get_body(("plain",)).get_content()

    async def forgotten() -> bool:
        context = await db.fetchval("SELECT context::text FROM notices WHERE recipient = $1", f"address:{email}")
        return context == "{}"

    await eventually(forgotten)
