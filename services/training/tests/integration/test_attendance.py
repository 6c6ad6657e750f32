"""Check-in, completion reaching Kafka for the ambassadors service, cancellation and erasure.

Counties used here (39, 40, 46) are used by no other test file.
"""

import csv
import io
from datetime import timedelta

import openpyxl
from training_helpers import (
    GatheringEvents,
    Roster,
    eventually,
    frozen_clock,
    gathering_body,
    in_roster,
    published_gathering,
    uid,
)

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.windows import school_day_start
from outreach_shared.contracts import ambassadors as a
from outreach_shared.regions import Region


async def _registered(
    training: RunningService, roster: Roster, county: str, n: int, **body: object
) -> tuple[str, list[str]]:
    members = [uid(f"m{county}") for _ in range(n)]
    for m in members:
        await roster.register(m, county=county)
    await in_roster(training, members)
    gathering_id = await published_gathering(training, gathering_body(county, capacity=n - 1 if n > 1 else 1))
    for m in members:
        r = await training.client.post(
            f"/v1/gatherings/{gathering_id}/registrations", json=body, headers=training.auth("member", m)
        )
        assert r.status_code == 201, r.text
    return gathering_id, members


async def test_check_in_is_idempotent_and_completion_publishes_everyone_checked_in(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    gathering_id, (first, second, _, waiting) = await _registered(training, roster, "39", 4)
    organiser = training.auth("organiser")
    on_the_day = school_day_start(40) + timedelta(hours=2)

    with frozen_clock(training, on_the_day):
        once = await training.client.post(
            f"/v1/gatherings/{gathering_id}/check-ins", json={"member_id": first}, headers=organiser
        )
        again = await training.client.post(
            f"/v1/gatherings/{gathering_id}/check-ins", json={"member_id": first}, headers=organiser
        )
        other = await training.client.post(
            f"/v1/gatherings/{gathering_id}/check-ins", json={"member_id": second}, headers=organiser
        )
        not_placed = await training.client.post(
            f"/v1/gatherings/{gathering_id}/check-ins", json={"member_id": waiting}, headers=organiser
        )
        completed = await training.client.post(f"/v1/gatherings/{gathering_id}/complete", headers=organiser)

    assert (once.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert once.json()["checked_in_at"] == again.json()["checked_in_at"]
    assert not_placed.status_code == 409
    assert completed.status_code == 200 and completed.json()["counts"]["checked_in"] == 2
    done = await events.wait_for(gathering_id, "gathering.completed")
    assert done[0]["trained_member_ids"] == sorted([first, second])
    assert done[0]["year"] == on_the_day.year
    attendance = await events.wait_for(gathering_id, "gathering.attendance-recorded", count=2)
    assert sorted(p["member_id"] for p in attendance) == sorted([first, second])


async def test_cancelling_tells_every_registered_and_waiting_member(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    gathering_id, members = await _registered(training, roster, "40", 3)
    r = await training.client.post(
        f"/v1/gatherings/{gathering_id}/cancel", json={"reason": "Storm"}, headers=training.auth("organiser")
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    cancelled = await events.wait_for(gathering_id, "gathering.cancelled")
    assert cancelled[0]["member_ids"] == sorted(members) and cancelled[0]["reason"] == "Storm"


async def test_erasure_removes_the_members_personal_data_and_frees_their_place(
    training: RunningService, roster: Roster, events: GatheringEvents
) -> None:
    gathering_id, (erased, waiting) = await _registered(
        training, roster, "46", 2, dietary="glutenfri", accessibility="rullestol", needs_accommodation=True
    )
    organiser = training.auth("organiser")
    exported = await training.client.get(f"/v1/gatherings/{gathering_id}/participants.csv", headers=organiser)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert f"{erased},confirmed,,glutenfri,rullestol,yes" in exported.text

    await roster.send(a.MemberErased(member_id=erased), erased)

    async def forgotten() -> bool:
        left = await training.runtime.pool.fetchval(
            """SELECT (SELECT count(*) FROM members WHERE member_id = $1)
                    + (SELECT count(*) FROM invitations WHERE member_id = $1)
                    + (SELECT count(*) FROM registrations WHERE member_id = $1)
                    + (SELECT count(*) FROM registrations WHERE gathering_id = $2 AND member_id LIKE 'erased:%'
                       AND (dietary IS NOT NULL OR accessibility IS NOT NULL OR needs_accommodation))""",
            erased,
            gathering_id,
        )
        return left == 0

    await eventually(forgotten)
    participants = await training.client.get(f"/v1/gatherings/{gathering_id}/participants", headers=organiser)
    assert erased not in participants.text
    assert [p["member_id"] for p in participants.json() if p["dietary"] == "glutenfri"] in ([waiting], [])
    counts = (await training.client.get(f"/v1/gatherings/{gathering_id}", headers=organiser)).json()["counts"]
    assert counts["invited"] >= 2, "the anonymous invitation is still counted"
    offered = await events.wait_for(gathering_id, "gathering.place-offered")
    assert [p["member_id"] for p in offered] == [waiting]


async def test_participant_exports_hold_the_lists_rows_within_the_region(
    training: RunningService, roster: Roster
) -> None:
    gathering_id, members = await _registered(
        training, roster, "40", 3, dietary='=HYPERLINK("http://evil.example")', accessibility="rullestol"
    )
    base = f"/v1/gatherings/{gathering_id}/participants"
    for headers in (training.auth("organiser"), training.auth("organiser", region=Region.of(fylker=["40"]))):
        listed = [p["member_id"] for p in (await training.client.get(base, headers=headers)).json()]
        assert sorted(listed) == sorted(members)
        as_csv = await training.client.get(f"{base}.csv", headers=headers)
        assert as_csv.status_code == 200 and as_csv.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert [r[0] for r in rows[1:]] == listed
        assert {r[3] for r in rows[1:]} == {'\'=HYPERLINK("http://evil.example")'}
        as_xlsx = await training.client.get(f"{base}.xlsx", headers=headers)
        assert as_xlsx.status_code == 200, as_xlsx.text
        assert as_xlsx.headers["content-disposition"] == f'attachment; filename="participants-{gathering_id}.xlsx"'
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
        cells = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert cells[0] == rows[0] and [r[0] for r in cells[1:]] == listed
        assert sheet.cell(row=2, column=4).value == '=HYPERLINK("http://evil.example")'
        assert sheet.cell(row=2, column=4).data_type == "s"
    elsewhere = training.auth("organiser", region=Region.of(fylker=["03"]))  # venue in 46, region 40
    for suffix in (".csv", ".xlsx"):
        assert (await training.client.get(f"{base}{suffix}", headers=elsewhere)).status_code == 404
        for role, subject in (("member", members[0]), ("school", "974760673")):
            r = await training.client.get(f"{base}{suffix}", headers=training.auth(role, subject))  # type: ignore[arg-type]
            assert r.status_code == 403
