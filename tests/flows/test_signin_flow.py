"""Signing in by e-mail link end to end: the roster tells the portal a member's address, the member asks for a
link on the sign-in page, notify mails it to the real mail catcher, and following it signs the member in. The
portal and notify run in-process against the real Kafka and Postgres; the link appears in no log line."""

import re
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from notify.bootstrap import SERVICE as NOTIFY
from outreach_dev.devstack._util import free_ports
from outreach_dev.devstack.mailcatcher import MailCatcher
from outreach_dev.testing.kafka import publish_envelopes
from outreach_dev.testing.service import RunningService, running_service
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import new_envelope
from outreach_shared.contracts.ambassadors import MemberRegistered, MemberSnapshot
from portal.bootstrap import SERVICE as PORTAL

sys.path.insert(0, str(Path(__file__).parents[2] / "services" / "portal" / "tests"))
from signin_helpers import ORIGIN, Browser  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="session")
LINK = re.compile(r"https://portal\.test/login/link/[A-Za-z0-9_-]{43}")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def catcher() -> AsyncIterator[MailCatcher]:
    smtp_port, http_port = free_ports(2)
    mail = await MailCatcher(smtp_port, http_port).start()
    yield mail
    await mail.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def services(
    provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str, catcher: MailCatcher,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[RunningService, RunningService]]:
    """The portal (reached at https://portal.test) and notify, mailing to the catcher."""
    sms_file = tmp_path_factory.mktemp("sms") / "sms.jsonl"
    async with (
        running_service(PORTAL, dsn=await provisioned_dsns("portal"), kafka_bootstrap=kafka_bootstrap,
                        public_url=ORIGIN, consumer_group="portal-signin-flow") as portal,
        running_service(NOTIFY, dsn=await provisioned_dsns("notify"), kafka_bootstrap=kafka_bootstrap,
                        smtp_port=catcher.smtp_port, sms_file=str(sms_file), delivery_poll_seconds=0.2,
                        app_base_url=ORIGIN) as notify,
    ):  # fmt: skip
        yield portal, notify


async def mails_to(catcher: MailCatcher, address: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=catcher.api_url) as mail:
        listing = (await mail.get("/api/messages", params={"to": address})).json()["messages"]
        return [(await mail.get(f"/api/messages/{m['id']}")).json() for m in listing]


async def test_a_member_signs_in_with_the_link_mailed_to_them(
    services: tuple[RunningService, RunningService], catcher: MailCatcher, kafka_bootstrap: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    portal, _ = services
    member_id, email = str(uuid.uuid4()), f"ambassador-{uuid.uuid4().hex[:8]}@example.no"
    snapshot = MemberSnapshot(member_id=member_id, name="Kari Nordmann", first_name="Kari", profession="nurse",
                              kommunenummer="0301", fylke="03", email=email, phone="+4791234567", languages=["nb"],
                              preferred_language="nb", active=True)  # fmt: skip
    await publish_envelopes(kafka_bootstrap, new_envelope(MemberRegistered(member=snapshot), key=member_id,
                                                          producer="ambassadors", correlation_id="flow"))  # fmt: skip

    async def accounts_known() -> bool:
        async with portal.runtime.unit_of_work("flow") as uow:
            return bool(await uow.accounts.for_email(email))  # type: ignore[attr-defined]

    await eventually(accounts_known)
    browser = Browser(portal.app)
    await browser.get("/login")
    answer = await browser.post("/login", {"email": email}, headers={"Accept-Language": "nn-NO,nn;q=0.9"})
    assert answer.status_code == 200 and "er ei lenkje på veg" in answer.text  # the page in Nynorsk too

    (mail,) = await eventually(lambda: mails_to(catcher, email), timeout=60)
    assert mail["subject"] == "Logg inn på Jobbvinner" and "éin gong" in mail["text"]
    (link,) = set(LINK.findall(mail["text"]))
    path = link.removeprefix(ORIGIN)
    await browser.get(path)
    signed_in = await browser.post(path)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    home = await browser.get("/")
    assert home.status_code == 200 and "member" in home.text

    secret = path.rsplit("/", 1)[-1]
    logged = capsys.readouterr()
    assert "action=sign_in " in logged.out or "\"sign_in\"" in logged.out  # the log is captured here
    assert secret not in logged.out and secret not in logged.err and email not in logged.out
