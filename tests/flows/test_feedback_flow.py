"""Flow 7: a school's feedback without signing in. A completed visit's thank-you mail carries a signed link; the
school opens it and rates the visit, and the rating shows in the organisers' figures. A school that does not answer
is reminded with the same link; one that answered is not (the stack reminds after FEEDBACK_REMINDER_AFTER seconds
instead of a week)."""

import asyncio
import re
from typing import Any

from flows_kit import (
    FEEDBACK_REMINDER_AFTER,
    Stack,
    answer,
    book_visit,
    eventually,
    open_offer,
    random_orgnr,
    register_member,
    seconds_until,
    soon_window,
    visit_in_status,
)

LINK = re.compile(r"https?://\S+/feedback/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43})")


async def completed_visit(stack: Stack, kommunenummer: str, name: str) -> dict[str, Any]:
    """A one-member visit starting in seconds, confirmed and reported: the booking (with the contact's address)."""
    nurse = await register_member(stack, name=name, profession="nurse", kommunenummer=kommunenummer)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=kommunenummer, professions=["nurse"], team_size=1,
                              windows=[window := soon_window(start_in_seconds=25, minutes=1)])  # fmt: skip
    offer = await eventually(lambda: open_offer(stack, nurse["id"], booked["id"]))
    await answer(stack, nurse["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")

    report_url, as_nurse = f"/v1/visit-requests/{booked['id']}/report", stack.auth("member", nurse["id"])

    async def reported() -> bool:
        response = await stack.client("booking").post(report_url, json={"pupils_reached": 48}, headers=as_nurse)
        assert response.status_code == 200, response.text  # refused until the visit has started
        return True

    await eventually(reported, timeout=seconds_until(window) + 90, interval=2)
    return booked | {"orgnr": orgnr}


async def mail(stack: Stack, address: str, subject_start: str) -> dict[str, Any] | None:
    return next((m for m in await stack.mails_to(address) if m["subject"].startswith(subject_start)), None)


def token_in(message: dict[str, Any]) -> str:
    found = LINK.findall(message["text"])
    assert len(set(found)) == 1, message["text"]
    return str(found[0])


async def test_flow_7_the_thank_you_link_rates_the_visit_and_only_a_school_that_did_not_answer_is_reminded(
    stack: Stack,
):
    answering, silent = await asyncio.gather(completed_visit(stack, "1804", "Gunn Bodø"),  # Bodø
                                             completed_visit(stack, "1833", "Hilde Vik"))  # Mo i Rana  # fmt: skip
    booking = stack.client("booking")

    thanks = await eventually(lambda: mail(stack, answering["contact_email"], "Takk for besøket"), timeout=150)
    token = token_in(thanks)
    shown = await booking.get(f"/v1/feedback/{token}")  # no token of the school's: the link is the credential
    assert shown.status_code == 200, shown.text
    assert (shown.json()["visit_id"], shown.json()["professions"], shown.json()["answered"]) == (
        answering["id"], ["nurse"], False)
    rated = await booking.post(f"/v1/feedback/{token}", json={"rating": 5, "comment": "Elevene spurte mye"})
    assert rated.status_code == 200, rated.text
    again = await booking.post(f"/v1/feedback/{token}", json={"rating": 2})
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    forged = await booking.get(f"/v1/feedback/{token[:-4]}{'AAAA' if token[-4:] != 'AAAA' else 'BBBB'}")
    assert forged.status_code == 404 and forged.headers["content-type"] == "application/problem+json"

    stats = await booking.get("/v1/stats", params={"kommunenummer": "1804"}, headers=stack.auth("organiser"))
    assert stats.status_code == 200, stats.text
    assert (stats.json()["total"]["ratings"], stats.json()["total"]["rating_average"]) == (1, 5.0)

    silent_thanks = await eventually(lambda: mail(stack, silent["contact_email"], "Takk for besøket"), timeout=150)
    reminder = await eventually(lambda: mail(stack, silent["contact_email"], "Påminnelse: hvordan gikk besøket"),
                                timeout=FEEDBACK_REMINDER_AFTER + 90, interval=2)  # fmt: skip
    assert token_in(reminder) == token_in(silent_thanks), "the reminder carries the same link"
    await asyncio.sleep(10)  # both reminders fell due together: the answered one would have arrived by now
    assert await mail(stack, answering["contact_email"], "Påminnelse") is None
