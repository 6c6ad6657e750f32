"""E-mail over SMTP (aiosmtplib): multipart plain text + HTML, with an .ics invitation when there is one.

Messages are written straight to RFC 5322 bytes (quoted-printable bodies, base64 attachment, RFC 2047 headers)
and handed to the server as they are: building an `EmailMessage` and flattening it cost several milliseconds of
CPU per e-mail (header parsing and refolding in pure Python), which bounded a fan-out to a few hundred a second.
"""

import asyncio
import base64
import binascii
import contextlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from typing import Any

import aiosmtplib

from notify.domain.rendered import Email, Rendered
from notify.service_layer.ports import DeliveryError
from outreach_shared.calendar import addressed_to

CRLF = "\r\n"
UTF8_BASE64 = Charset("utf-8")
UTF8_BASE64.header_encoding = BASE64  # the default ("shortest") encodes every header both ways to compare: 3x slower
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_ESCAPES = re.compile(r'[\\"]')


@dataclass(frozen=True)
class Envelope:
    """Who an e-mail goes to and its stable id (the same on every attempt of one delivery)."""

    to: str
    to_name: str | None
    message_id: str


@dataclass(frozen=True)
class OutgoingEmail:
    """An e-mail ready for the wire: the envelope addresses and the message bytes (CRLF line endings)."""

    mail_from: str
    to: str
    data: bytes
    smtputf8: bool = False
    """The addresses are not ASCII: the server must support SMTPUTF8."""


def build_message(
    sender: str, envelope: Envelope, rendered: Rendered, calendar: str | None, *, now: datetime | None = None
) -> OutgoingEmail:
    """A multipart/alternative message, wrapped in multipart/mixed when an invitation is attached."""
    from_header, mail_from = _sender(sender)
    to = _single_line(envelope.to)
    if not to or " " in to:
        raise DeliveryError("invalid recipient address", permanent=True)
    headers = [
        f"From: {from_header}",
        f"To: {_address(envelope.to_name, to)}",
        _header("Subject", rendered.subject),
        f"Message-ID: {_single_line(envelope.message_id)}",
        f"Date: {format_datetime(now or datetime.now(UTC))}",
        "MIME-Version: 1.0",
        "Auto-Submitted: auto-generated",  # RFC 3834: no out-of-office answers to us
    ]
    if rendered.settings_url:  # RFC 2369; no List-Unsubscribe-Post: there is no one-click endpoint
        headers.append(f"List-Unsubscribe: <{_single_line(rendered.settings_url)}>")
    alternative = _multipart(
        "alternative",
        [_text_part("plain", rendered.text), _text_part("html", rendered.html)],
    )
    if calendar is not None:
        calendar = addressed_to(calendar, to, _single_line(envelope.to_name or "") or None)
    body = alternative if calendar is None else _multipart("mixed", [alternative, _calendar_part(calendar)])
    data = CRLF.join(headers) + CRLF + body
    return OutgoingEmail(mail_from, to, data.encode(), smtputf8=not (to.isascii() and mail_from.isascii()))


def _single_line(value: str) -> str:
    """No CR or LF may reach a header: they would end it (and let a value inject headers of its own)."""
    return " ".join(value.splitlines()).strip() if "\r" in value or "\n" in value else value.strip()


@lru_cache(maxsize=8)
def _sender(sender: str) -> tuple[str, str]:
    name, address = parseaddr(_single_line(sender))
    return _address(name or None, address), address


def _address(name: str | None, address: str) -> str:
    """`Name <address>`: a non-ASCII name as an RFC 2047 encoded word, one with specials quoted."""
    name = _single_line(name or "")
    if not name:
        return address
    if not name.isascii():
        shown = Header(name, UTF8_BASE64).encode(linesep=CRLF)
    elif _SPECIALS.search(name):
        shown = '"{}"'.format(_ESCAPES.sub(r"\\\g<0>", name))
    else:
        shown = name
    return f"{shown} <{address}>"


def _header(name: str, value: str) -> str:
    value = _single_line(value)
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}"
    encoded = Header(value, "us-ascii" if value.isascii() else UTF8_BASE64, header_name=name).encode(linesep=CRLF)
    return f"{name}: {encoded}"


def _boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text, so no part can contain the boundary
    return f"=_{secrets.token_hex(12)}"


def _multipart(subtype: str, parts: list[str]) -> str:
    boundary = _boundary()
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{CRLF}{CRLF}'
    inner = "".join(f"--{boundary}{CRLF}{part}{CRLF}" for part in parts)
    return f"{head}{inner}--{boundary}--{CRLF}"


def _text_part(subtype: str, text: str) -> str:
    lines = CRLF.join(text.splitlines()) + CRLF
    body = binascii.b2a_qp(lines.encode(), istext=True).decode("ascii")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}{body}"
    )


def _calendar_part(calendar: str) -> str:
    method = "CANCEL" if "METHOD:CANCEL" in calendar else "REQUEST"
    body = base64.encodebytes(calendar.encode()).decode("ascii").replace("\n", CRLF)
    return (
        f'Content-Type: text/calendar; charset="utf-8"; method="{method}"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}"
        f'Content-Disposition: attachment; filename="invitation.ics"{CRLF}{CRLF}{body}'
    )


def _code_error(code: int, message: str) -> DeliveryError:
    return DeliveryError(f"SMTP {code} {message}".strip(), permanent=500 <= code < 600)


class SmtpEmailSender:
    """Sends through one SMTP server over a small pool of reused connections.

    5xx answers are permanent, 4xx and connection trouble are not. A connection that failed in any way is
    dropped (the next message opens a new one); one idle for a while is checked with NOOP before it is used,
    so a server that closed it is noticed before anything is handed over, never after.
    """

    def __init__(
        self,
        *,
        host: str,
        mail_from: str = "Jobbvinner <varsel@jobbvinner.no>",
        port: int,
        username: str = "",
        password: str = "",
        start_tls: bool = False,
        timeout: float = 30.0,
        pool_size: int = 8,
        idle_check_seconds: float = 10.0,
    ) -> None:
        self._options: dict[str, Any] = {
            "hostname": host,
            "port": port,
            "username": username or None,
            "password": password or None,
            "start_tls": start_tls,
            "timeout": timeout,
        }
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(max(1, pool_size))
        self._idle_check = idle_check_seconds
        self._mail_from = mail_from

    async def send(self, email: Email) -> None:
        """Build the e-mail and hand it to the server; returns once it accepted it, else raises DeliveryError."""
        envelope = Envelope(email.to, email.to_name, email.message_id)
        await self.send_message(build_message(self._mail_from, envelope, email.rendered, email.calendar))

    async def send_message(self, message: OutgoingEmail) -> None:
        """Hand a built message to the server; returns once it accepted it, else raises DeliveryError."""
        async with self._slots:
            client: aiosmtplib.SMTP | None = None
            try:
                client = await self._client()
                options = ["SMTPUTF8"] if message.smtputf8 else None
                await client.sendmail(message.mail_from, [message.to], message.data, mail_options=options)
            except ValueError as exc:  # an address that cannot be sent safely: no retry makes it any better
                _drop(client)
                raise DeliveryError(f"invalid address: {exc}", permanent=True) from exc
            except aiosmtplib.SMTPRecipientsRefused as exc:
                _drop(client)
                first = exc.recipients[0]
                raise _code_error(first.code, first.message) from exc
            except aiosmtplib.SMTPResponseException as exc:
                _drop(client)
                raise _code_error(exc.code, exc.message) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                _drop(client)
                raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}: {exc}", permanent=False) from exc
            except BaseException:
                _drop(client)
                raise
            self._idle.append((client, time.monotonic()))

    async def _client(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, since = self._idle.pop()
            if not client.is_connected:
                continue
            if time.monotonic() - since < self._idle_check:
                return client
            try:
                await client.noop()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                _drop(client)
                continue
            return client
        client = aiosmtplib.SMTP(**self._options)
        await client.connect()
        return client

    async def close(self) -> None:
        """Say goodbye on every idle connection."""
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(Exception):
                await client.quit()
            _drop(client)


def _drop(client: aiosmtplib.SMTP | None) -> None:
    if client is not None and client.is_connected:
        with contextlib.suppress(Exception):
            client.close()
