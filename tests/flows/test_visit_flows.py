"""Flows 1–5: a school's visit from booking to confirmation, replacement, no team, cancellation and impact.

Each flow uses its own municipalities (far enough apart that their rosters do not mix) and its own school.
"""

from flows_kit import (
    ORGANISER_EMAIL,
    Stack,
    answer,
    book_visit,
    eventually,
    inbox_has,
    mail_with_calendar,
    mailed_calendars,
    open_offer,
    random_orgnr,
    register_member,
    reminders_of,
    visit,
    visit_in_status,
)


async def test_flow_1_booked_visit_is_offered_to_two_nearby_members_confirmed_and_everyone_told(stack: Stack):
    kari = await register_member(stack, name="Kari Nordmann", profession="nurse", kommunenummer="5001")
    ola = await register_member(stack, name="Ola Hansen", profession="health_worker", kommunenummer="5001")
    far = await register_member(stack, name="Per Langt", profession="nurse", kommunenummer="5501")  # Tromsø
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer="5001", professions=["nurse", "health_worker"])
    assert booked["status"] == "requested"

    offers = {m["id"]: await eventually(lambda m=m: open_offer(stack, m["id"], booked["id"])) for m in (kari, ola)}
    assert await open_offer(stack, far["id"], booked["id"]) is None, "a member 600 km away is not offered"
    await visit_in_status(stack, booked["id"], orgnr, "offered")
    for member_id, offer in offers.items():
        assert (await answer(stack, member_id, offer["id"], "accept"))["status"] == "accepted"

    confirmed = await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    assert {m["first_name"] for m in confirmed["team"]} == {"Kari", "Ola"}
    assert confirmed["scheduled"]["start"]
    school_mail = await mail_with_calendar(stack, booked["contact_email"])
    assert "Kari" in school_mail["text"] and "Ola" in school_mail["text"]
    for member in (kari, ola):
        await mail_with_calendar(stack, member["email"])
        await inbox_has(stack, member["id"], "visit_confirmed_member")
    reminders = await eventually(lambda: reminders_of(stack, booked["id"]))
    assert {(r["notice_type"], r["status"]) for r in reminders} >= {
        ("visit_reminder_member", "pending"), ("visit_reminder_school", "pending")}
    assert {r["recipient"] for r in reminders if r["notice_type"] == "visit_reminder_member"} == {
        f"member:{kari['id']}", f"member:{ola['id']}"}


async def test_flow_2_a_decline_is_replaced_and_the_visit_confirmed(stack: Stack):
    members = [await register_member(stack, name=f"{first} Berg", profession="nurse", kommunenummer="4601")
               for first in ("Anne", "Berit", "Cecilie")]  # Bergen
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer="4601", professions=["nurse"])

    async def two_offered() -> list[tuple[dict, dict]] | None:
        found = [(m, await open_offer(stack, m["id"], booked["id"])) for m in members]
        offered = [(m, o) for m, o in found if o is not None]
        return offered if len(offered) == 2 else None

    (first, first_offer), (second, second_offer) = await eventually(two_offered)
    reserve = next(m for m in members if m["id"] not in {first["id"], second["id"]})
    await answer(stack, first["id"], first_offer["id"], "decline")
    replacement = await eventually(lambda: open_offer(stack, reserve["id"], booked["id"]))
    await answer(stack, second["id"], second_offer["id"], "accept")
    await answer(stack, reserve["id"], replacement["id"], "accept")

    confirmed = await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    assert {m["first_name"] for m in confirmed["team"]} == {second["name"].split()[0], reserve["name"].split()[0]}


async def test_flow_3_no_eligible_members_makes_the_visit_unfulfilled_and_tells_school_and_organiser(stack: Stack):
    orgnr = random_orgnr()
    # Trysil has no members, and nobody lives within their travel radius of it.
    booked = await book_visit(stack, orgnr, kommunenummer="3421", professions=["health_worker"], team_size=1)
    unfulfilled = await visit_in_status(stack, booked["id"], orgnr, "unfulfilled")
    assert [h["status"] for h in unfulfilled["history"]][-1] == "unfulfilled"

    async def mail_to(address: str, subject_start: str) -> dict | None:
        return next((m for m in await stack.mails_to(address) if m["subject"].startswith(subject_start)), None)

    school_mail = await eventually(lambda: mail_to(booked["contact_email"], "Vi fant dessverre ikke noe lag"))
    assert "Skole" in school_mail["subject"]
    await eventually(lambda: mail_to(ORGANISER_EMAIL, f"Ingen ledige på laget: besøk {booked['id']}"))


async def test_flow_4_cancelling_a_confirmed_visit_releases_members_and_withdraws_reminders(stack: Stack):
    members = [await register_member(stack, name=f"{first} Sand", profession="nurse", kommunenummer="4204")
               for first in ("Dina", "Eva")]  # Kristiansand
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer="4204", professions=["nurse"])
    for m in members:
        offer = await eventually(lambda m=m: open_offer(stack, m["id"], booked["id"]))
        await answer(stack, m["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    await eventually(lambda: reminders_of(stack, booked["id"]))
    method, uid, sequence = await api_calendar(stack, booked["id"], orgnr)
    assert method == "PUBLISH"
    attendees = [booked["contact_email"], *(m["email"] for m in members)]
    for address in attendees:  # the API's calendar.ics and the mailed invitations are one event
        await eventually(lambda a=address: _last_is(stack, a, ("REQUEST", uid, sequence)))

    response = await stack.client("booking").post(f"/v1/visit-requests/{booked['id']}/cancel",
                                                  json={"reason": "Eksamen flyttet"},
                                                  headers=stack.auth("school", orgnr))
    assert response.status_code == 200, response.text
    cancelled = await visit(stack, booked["id"], orgnr)
    assert cancelled["status"] == "cancelled"
    for m in members:
        await inbox_has(stack, m["id"], "member_released")
    assert await api_calendar(stack, booked["id"], orgnr) == ("CANCEL", uid, sequence + 1)
    for address in attendees:  # the school and every member who held it are sent the same CANCEL
        await eventually(lambda a=address: _last_is(stack, a, ("CANCEL", uid, sequence + 1)))

    async def all_withdrawn() -> bool:
        statuses = {r["status"] for r in await reminders_of(stack, booked["id"])}
        assert statuses == {"cancelled"}, statuses
        return True

    await eventually(all_withdrawn)


async def test_flow_5_reported_and_rated_visit_shows_in_the_organisers_stats(stack: Stack):
    from flows_kit import seconds_until, soon_window

    # The flow stack runs with BOOKING_MIN_NOTICE_DAYS=0, so a visit can start in seconds and take place here.
    nurse = await register_member(stack, name="Frida Moe", profession="nurse", kommunenummer="4203")  # Arendal
    orgnr = random_orgnr()
    window = soon_window(start_in_seconds=25, minutes=1)
    booked = await book_visit(stack, orgnr, kommunenummer="4203", professions=["nurse"], team_size=1,
                              windows=[window])
    offer = await eventually(lambda: open_offer(stack, nurse["id"], booked["id"]))
    await answer(stack, nurse["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")

    report_url = f"/v1/visit-requests/{booked['id']}/report"
    as_nurse = stack.auth("member", nurse["id"])

    async def reported() -> bool:
        response = await stack.client("booking").post(report_url, json={"pupils_reached": 55, "notes": "Godt oppmøte"},
                                                      headers=as_nurse)
        assert response.status_code == 200, response.text  # refused until the visit has started
        return True

    await eventually(reported, timeout=seconds_until(window) + 90, interval=2)
    await visit_in_status(stack, booked["id"], orgnr, "completed")

    async def rated() -> bool:
        response = await stack.client("booking").post(f"/v1/visit-requests/{booked['id']}/rating",
                                                      json={"rating": 5, "comment": "Elevene var engasjerte"},
                                                      headers=stack.auth("school", orgnr))
        assert response.status_code == 200, response.text  # refused until the visit has ended
        return True

    await eventually(rated, timeout=120, interval=2)
    stats = await stack.client("booking").get("/v1/stats", headers=stack.auth("organiser"))
    assert stats.status_code == 200, stats.text
    arendal = next(m for m in stats.json()["by_municipality"] if m["kommunenummer"] == "4203")
    assert (arendal["completed"], arendal["pupils_reached"]) == (1, 55)
    agder = next(c for c in stats.json()["by_county"] if c["county_number"] == "42")
    assert agder["completed"] >= 1 and agder["pupils_reached"] >= 55


async def api_calendar(stack: Stack, visit_id: str, orgnr: str) -> tuple[str, str, int]:
    """(METHOD, UID, SEQUENCE) of the visit's calendar.ics as its school gets it."""
    from icalendar import Calendar

    response = await stack.client("booking").get(f"/v1/visit-requests/{visit_id}/calendar.ics",
                                                 headers=stack.auth("school", orgnr))
    assert response.status_code == 200, response.text
    cal = Calendar.from_ical(response.content)
    (event,) = cal.events
    return str(cal["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])


async def _last_is(stack: Stack, address: str, expected: tuple[str, str, int]) -> bool:
    held = await mailed_calendars(stack, address)
    assert held and held[-1] == expected, held
    return True
