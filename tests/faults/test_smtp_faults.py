"""Scenario 7: the SMTP server refuses (4xx, 5xx) and times out: retries, failures recorded, no duplicates."""

import asyncio

from faultkit.scenario import RecordProperty, run_scenario
from faultkit.smtp import ACCEPT, PERMFAIL, TEMPFAIL, TIMEOUT
from faultkit.stack import SERVICE_SETTINGS, FaultStack
from faultkit.workload import Booked, Stream

MAX_ATTEMPTS = int(SERVICE_SETTINGS["notify"]["NOTIFY_DELIVERY_MAX_ATTEMPTS"])
MARKERS = {"permfail.": PERMFAIL, "tempfail.": TEMPFAIL}


async def test_smtp_refusing_and_timing_out_retries_records_failures_and_sends_once(
    fault_stack: FaultStack, record_property: RecordProperty
) -> None:
    special: dict[str, Booked] = {}
    smtp = fault_stack.smtp

    async def misbehave(stream: Stream) -> int:
        smtp.switch(ACCEPT, **MARKERS)
        for tag in ("permfail", "tempfail"):
            booked = await stream.book_visit(contact_email=f"{tag}.{stream.kommunenummer}@example.no")
            assert booked is not None
            special[tag] = booked
        await asyncio.sleep(2)
        smtp.switch(TEMPFAIL, **MARKERS)
        await asyncio.sleep(5)
        smtp.switch(TIMEOUT, **MARKERS)
        await asyncio.sleep(6)
        smtp.switch(ACCEPT, **MARKERS)
        return 3

    totals = await run_scenario(fault_stack, "smtp-refusing-and-timing-out", "0301", misbehave, record_property,
                                visits=8)
    assert smtp.counts["tempfail"] and smtp.counts["timeout"] and smtp.counts["permfail"], smtp.counts
    organiser = fault_stack.auth("organiser")
    for tag, booked in special.items():
        response = await fault_stack.client("notify").get(
            "/v1/notifications", params={"recipient": f"school:{booked.visit_id}"}, headers=organiser)
        assert response.status_code == 200, response.text
        emails = [d for d in response.json() if d["channel"] == "email"]
        assert emails and all(d["status"] == "failed" for d in emails), emails
        expected = (1, "SMTP 550") if tag == "permfail" else (MAX_ATTEMPTS, "SMTP 451")
        assert all((d["attempts"], d["last_error"][:8]) == expected for d in emails), (tag, emails)
        assert not smtp.mails_to(booked.contact_email), "a refused mail arrived after all"
    print(f"smtp: {dict(smtp.counts)} ({totals.scenario})")
