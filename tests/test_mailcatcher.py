"""The dev mail catcher: what arrives over SMTP can be listed, read, downloaded and deleted over HTTP."""

from __future__ import annotations

import asyncio
import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

import httpx

from outreach_dev.devstack._util import free_ports
from outreach_dev.devstack.mailcatcher import MailCatcher

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def invitation(to: str) -> EmailMessage:
    """A confirmation with plain text, HTML and a calendar invitation."""
    message = EmailMessage()
    message["From"] = "Jobbvinner <varsel@jobbvinner.no>"
    message["To"] = to
    message["Subject"] = "Besøket er bekreftet"
    message.set_content("Hei! Besøket er bekreftet.")
    message.add_alternative("<p>Hei! Besøket er bekreftet.</p>", subtype="html")
    message.add_attachment(ICS, subtype="calendar", filename="besok.ics")
    return message


async def send(port: int, message: EmailMessage) -> None:
    """Send over SMTP from a thread (smtplib blocks)."""

    def deliver() -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)

    await asyncio.to_thread(deliver)


async def test_messages_can_be_listed_filtered_read_and_deleted(tmp_path: Path) -> None:
    smtp_port, http_port = free_ports(2)
    catcher = await MailCatcher(smtp_port, http_port, tmp_path).start()
    try:
        await send(smtp_port, invitation("kari@example.no"))
        await send(smtp_port, invitation("ola@example.no"))
        async with httpx.AsyncClient(base_url=catcher.api_url) as http:
            listing = (await http.get("/api/messages", params={"to": "kari"})).json()
            assert listing["total"] == 1 and listing["messages"][0]["subject"] == "Besøket er bekreftet"
            message_id = listing["messages"][0]["id"]
            detail = (await http.get(f"/api/messages/{message_id}")).json()
            assert detail["text"].strip() == "Hei! Besøket er bekreftet." and "<p>" in detail["html"]
            calendar = next(p for p in detail["parts"] if p["content_type"] == "text/calendar")
            part = await http.get(f"/api/messages/{message_id}/parts/{calendar['index']}")
            assert "METHOD:REQUEST" in part.text
            assert b"Subject:" in (await http.get(f"/api/messages/{message_id}/raw")).content
            assert (await http.delete("/api/messages")).json() == {"deleted": 2}
            assert (await http.get("/api/messages")).json()["total"] == 0
            assert (await http.get(f"/api/messages/{message_id}")).status_code == 404
    finally:
        await catcher.stop()
    assert not any(name.endswith(".eml") for name in os.listdir(tmp_path))


async def test_messages_kept_in_the_store_dir_survive_a_restart(tmp_path: Path) -> None:
    smtp_port, http_port = free_ports(2)
    catcher = await MailCatcher(smtp_port, http_port, tmp_path).start()
    try:
        await send(smtp_port, invitation("kari@example.no"))
    finally:
        await catcher.stop()
    again = await MailCatcher(smtp_port, http_port, tmp_path).start()
    try:
        async with httpx.AsyncClient(base_url=again.api_url) as http:
            listing = (await http.get("/api/messages", params={"to": "kari@example.no"})).json()
        assert listing["total"] == 1
    finally:
        await again.stop()
