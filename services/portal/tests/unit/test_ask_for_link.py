"""Asking for a link does the same work for known and unknown addresses; only a known one under its limit is
mailed (use case in memory)."""

from datetime import datetime
from typing import Any

from outreach_dev.testing.fakes import emitted, in_memory
from outreach_shared.contracts.portal import SignInLinkRequested
from portal.domain.accounts import Account
from portal.domain.signin import SignInLink
from portal.service_layer import signin
from portal.service_layer.unit_of_work import PortalUnit


class Calls:
    """Records which repository methods a use case called, in order."""

    def __init__(self) -> None:
        self.log: list[str] = []


class FakeRequests:
    def __init__(self, calls: Calls, counts: dict[str, int]) -> None:
        self.calls, self.counts = calls, counts

    async def note(self, bucket: str, *, at: datetime, since: datetime) -> int:
        self.calls.log.append("note")
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        return self.counts[bucket]


class FakeAccounts:
    def __init__(self, calls: Calls, known: dict[str, list[Account]]) -> None:
        self.calls, self.known = calls, known

    async def for_email(self, email: str) -> list[Account]:
        self.calls.log.append("for_email")
        return self.known.get(email.casefold(), [])


class FakeLinks:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.added: list[SignInLink] = []

    async def add(self, link: SignInLink, *, created_at: datetime) -> None:
        self.calls.log.append("add")
        self.added.append(link)


def unit(known: dict[str, list[Account]], counts: dict[str, int] | None = None) -> tuple[PortalUnit, Calls, Any]:
    calls = Calls()
    links = FakeLinks(calls)
    uow = in_memory(PortalUnit, signin_requests=FakeRequests(calls, counts if counts is not None else {}),
                    accounts=FakeAccounts(calls, known), signin_links=links)  # fmt: skip
    return uow, calls, links


async def test_known_and_unknown_addresses_do_the_same_work_and_only_the_known_is_mailed() -> None:
    known = {"kari@example.no": [Account("school", "974760673")]}
    known_uow, known_calls, known_links = unit(known)
    unknown_uow, unknown_calls, unknown_links = unit(known)
    assert await signin.ask_for_link(known_uow, "Kari@example.no", client="c", language="nn") == "sent"
    assert await signin.ask_for_link(unknown_uow, "ola@example.no", client="c", language="nn") == "sent"
    assert known_calls.log == unknown_calls.log == ["note", "note", "for_email", "add"]
    (mail,) = emitted(known_uow)
    assert isinstance(mail, SignInLinkRequested) and mail.language == "nn"
    assert mail.link.startswith("http://127.0.0.1:8000/login/link/") and emitted(unknown_uow) == []
    assert known_links.added[0].email == "Kari@example.no" and unknown_links.added[0].email is None
    assert mail.link.rsplit("/", 1)[-1].encode() not in known_links.added[0].secret_hash


async def test_an_address_over_its_limit_gets_no_mail_and_a_flooding_client_is_told() -> None:
    known = {"kari@example.no": [Account("member", "m")]}
    counts: dict[str, int] = {}
    for _ in range(5):
        uow, _, _ = unit(known, counts)
        await signin.ask_for_link(uow, "kari@example.no", client=None, language="nb")
        assert len(emitted(uow)) == 1
    uow, calls, _ = unit(known, counts)
    assert await signin.ask_for_link(uow, "kari@example.no", client=None, language="nb") == "sent"
    assert emitted(uow) == [] and calls.log == ["note", "note", "for_email", "add"]
    for _ in range(30 - 6):
        await signin.ask_for_link(unit(known, counts)[0], "someone@example.no", client=None, language="nb")
    uow, calls, _ = unit(known, counts)
    assert await signin.ask_for_link(uow, "kari@example.no", client=None, language="nb") == "client_over_limit"
    assert emitted(uow) == [] and calls.log == ["note"]
