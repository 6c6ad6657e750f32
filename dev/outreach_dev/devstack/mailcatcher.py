"""A development SMTP catcher: keeps every message it receives and shows them over a small HTTP API.

SMTP (default 127.0.0.1:1025) takes any mail; HTTP (default 127.0.0.1:8025) serves
`GET /api/messages` (summaries, oldest first; `?to=` filters by recipient substring),
`GET /api/messages/{id}` (headers, text, html, parts), `GET /api/messages/{id}/raw`,
`GET /api/messages/{id}/parts/{index}` (one MIME part's decoded content, e.g. a text/calendar invitation),
`DELETE /api/messages` and `DELETE /api/messages/{id}`. Messages live in memory and, with `--store-dir`,
as `.eml` files that are loaded again at the next start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import itertools
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from functools import cached_property
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import HTMLResponse

LOCALHOST = "127.0.0.1"


@dataclass
class CaughtMessage:
    """One message as received: envelope and raw bytes, parsed when first looked at.

    Parsing costs milliseconds of CPU a message; a fan-out of thousands of e-mails must not wait on the catcher
    parsing mail nobody reads.
    """

    id: str
    received_at: datetime
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes = field(repr=False)

    @cached_property
    def parsed(self) -> EmailMessage:
        """`raw` (RFC 5322 bytes) as a message."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def parts(self) -> list[EmailMessage]:
        """The leaf MIME parts in document order."""
        return [p for p in self.parsed.walk() if not p.is_multipart()]

    def summary(self) -> dict[str, Any]:
        """What a listing shows."""
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat(),
            "mail_from": self.mail_from,
            "to": self.rcpt_tos,
            "from": str(self.parsed.get("From", "")),
            "subject": str(self.parsed.get("Subject", "")),
            "size": len(self.raw),
        }

    def detail(self) -> dict[str, Any]:
        """The whole message: headers, plain and HTML bodies, and a description of every part."""
        return self.summary() | {
            "headers": [[k, str(v)] for k, v in self.parsed.items()],
            "text": _body(self.parsed, "plain"),
            "html": _body(self.parsed, "html"),
            "parts": [_describe_part(i, p) for i, p in enumerate(self.parts())],
        }


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else None


def _describe_part(index: int, part: EmailMessage) -> dict[str, Any]:
    payload = part.get_payload(decode=True) or b""
    return {
        "index": index,
        "content_type": part.get_content_type(),
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "size": len(payload) if isinstance(payload, bytes) else 0,
    }


class MailStore:
    """Messages in arrival order, in memory and optionally as `<id>.eml` files in `directory`."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._messages: dict[str, CaughtMessage] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._load(directory)

    def _load(self, directory: Path) -> None:
        for path in sorted(directory.glob("*.eml")):
            received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            raw = path.read_bytes()
            headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
            rcpt_tos = [str(a) for a in headers.get_all("X-Catcher-Rcpt-To", [])]
            message = CaughtMessage(path.stem, received, "", rcpt_tos, raw)
            self._messages[message.id] = message
        self._counter = itertools.count(len(self._messages) + 1)

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> CaughtMessage:
        """Keep a message; return it with its new id."""
        with self._lock:
            id_ = f"{datetime.now(UTC):%Y%m%d%H%M%S}-{next(self._counter):06d}"
            message = CaughtMessage(id_, datetime.now(UTC), mail_from, rcpt_tos, raw)
            self._messages[id_] = message
        if self.directory is not None:
            envelope = "".join(f"X-Catcher-Rcpt-To: {r}\r\n" for r in rcpt_tos).encode()
            (self.directory / f"{id_}.eml").write_bytes(envelope + raw)
        return message

    def messages(self, to: str | None = None) -> list[CaughtMessage]:
        """Messages oldest first, optionally only those with a recipient containing `to`."""
        with self._lock:
            messages = list(self._messages.values())
        if to:
            needle = to.lower()
            messages = [m for m in messages if any(needle in r.lower() for r in m.rcpt_tos)]
        return messages

    def get(self, id_: str) -> CaughtMessage | None:
        """One message by id."""
        with self._lock:
            return self._messages.get(id_)

    def delete(self, id_: str | None = None) -> int:
        """Delete one message, or all of them; return how many went."""
        with self._lock:
            ids = [id_] if id_ is not None else list(self._messages)
            gone = [i for i in ids if self._messages.pop(i, None) is not None]
        if self.directory is not None:
            for i in gone:
                (self.directory / f"{i}.eml").unlink(missing_ok=True)
        return len(gone)


class CatchingHandler:
    """aiosmtpd handler: every DATA command is stored."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        """Store the message and accept it."""
        raw = envelope.original_content or envelope.content
        self.store.add(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], bytes(raw))
        return "250 Message accepted for delivery"


def create_http_app(store: MailStore) -> FastAPI:
    """The HTTP API over `store`."""
    app = FastAPI(title="Outreach mail catcher", version="0.1.0")

    def found(id_: str) -> CaughtMessage:
        message = store.get(id_)
        if message is None:
            raise HTTPException(404, f"no message {id_}")
        return message

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/messages")
    async def list_messages(to: str | None = None) -> dict[str, Any]:
        messages = [m.summary() for m in store.messages(to)]
        return {"total": len(messages), "messages": messages}

    @app.get("/api/messages/{id_}")
    async def get_message(id_: str) -> dict[str, Any]:
        return found(id_).detail()

    @app.get("/api/messages/{id_}/raw")
    async def get_raw(id_: str) -> Response:
        return Response(found(id_).raw, media_type="message/rfc822")

    @app.get("/api/messages/{id_}/parts/{index}")
    async def get_part(id_: str, index: int) -> Response:
        parts = found(id_).parts()
        if not 0 <= index < len(parts):
            raise HTTPException(404, f"message {id_} has no part {index}")
        payload = parts[index].get_payload(decode=True)
        return Response(payload if isinstance(payload, bytes) else b"", media_type=parts[index].get_content_type())

    @app.delete("/api/messages")
    async def delete_all() -> dict[str, int]:
        return {"deleted": store.delete()}

    @app.delete("/api/messages/{id_}")
    async def delete_one(id_: str) -> dict[str, int]:
        return {"deleted": store.delete(found(id_).id)}

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return _index_html(store.messages())

    return app


def _index_html(messages: list[CaughtMessage]) -> str:
    from html import escape

    rows = "".join(
        f"<tr><td>{escape(m.received_at.isoformat(timespec='seconds'))}</td>"
        f"<td>{escape(', '.join(m.rcpt_tos))}</td>"
        f"<td><a href='/api/messages/{m.id}'>{escape(str(m.parsed.get('Subject', '')))}</a></td></tr>"
        for m in reversed(messages)
    )
    return (
        "<!doctype html><meta charset=utf-8><title>Mail catcher</title>"
        f"<h1>Mail catcher: {len(messages)} message(s)</h1>"
        f"<table border=1 cellpadding=4><tr><th>received</th><th>to</th><th>subject</th></tr>{rows}</table>"
    )


class MailCatcher:
    """SMTP server + HTTP API on one event loop; `await start()`, then `await stop()` (usable in tests)."""

    def __init__(
        self,
        smtp_port: int = 1025,
        http_port: int = 8025,
        store_dir: Path | None = None,
        host: str = LOCALHOST,
    ) -> None:
        self.host, self.smtp_port, self.http_port = host, smtp_port, http_port
        self.store = MailStore(store_dir)
        self._smtp: asyncio.AbstractServer | None = None
        self._http: Any = None
        self._http_task: asyncio.Task[None] | None = None

    @property
    def api_url(self) -> str:
        """The HTTP API's base URL."""
        return f"http://{self.host}:{self.http_port}"

    async def start(self) -> MailCatcher:
        """Listen on both ports; return when both accept connections."""
        import uvicorn
        from aiosmtpd.smtp import SMTP

        loop = asyncio.get_running_loop()
        handler = CatchingHandler(self.store)
        self._smtp = await loop.create_server(lambda: SMTP(handler, enable_SMTPUTF8=True), self.host, self.smtp_port)
        config = uvicorn.Config(
            create_http_app(self.store),
            host=self.host,
            port=self.http_port,
            log_config=None,
            access_log=False,
        )
        self._http = uvicorn.Server(config)
        self._http.install_signal_handlers = lambda: None  # the caller owns signals
        self._http_task = asyncio.create_task(self._http.serve())
        while not self._http.started:
            if self._http_task.done():
                await self._http_task
                raise RuntimeError(f"mail catcher HTTP server did not start on port {self.http_port}")
            await asyncio.sleep(0.05)
        return self

    async def stop(self) -> None:
        """Close both servers."""
        if self._http is not None and self._http_task is not None:
            self._http.should_exit = True
            with contextlib.suppress(Exception):
                await self._http_task
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()


async def _serve(args: argparse.Namespace) -> None:
    catcher = MailCatcher(args.smtp_port, args.http_port, args.store_dir, args.host)
    await catcher.start()
    print(f"mail catcher: SMTP {args.host}:{args.smtp_port}, HTTP {catcher.api_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await catcher.stop()


def main(argv: list[str] | None = None) -> None:
    """Console script `outreach-mailcatcher`."""
    parser = argparse.ArgumentParser(prog="outreach-mailcatcher", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=LOCALHOST)
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    parser.add_argument("--store-dir", type=Path, default=None, help="also keep messages as .eml files here")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
