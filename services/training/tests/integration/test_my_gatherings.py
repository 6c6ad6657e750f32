"""Members' own gatherings: their state in each, check-in codes, check-in by code and the proof of training.

County 55 is used by no other test file; the tests here share it, so each looks only at its own gatherings.
"""

import re
from datetime import timedelta
from typing import Any

import httpx
from training_helpers import Roster, frozen_clock, gathering_body, in_roster, published_gathering, uid

from outreach_dev.testing.service import RunningService
from outreach_dev.testing.windows import school_day_start
from outreach_shared.regions import Region

COUNTY = "55"
CHECK_IN_CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
VERIFICATION_CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$")


async def _members(training: RunningService, roster: Roster, n: int) -> list[str]:
    ids = [uid("member") for _ in range(n)]
    for m in ids:
        await roster.register(m, county=COUNTY)
    await in_roster(training, ids)
    return ids


async def _register(training: RunningService, gathering_id: str, member_id: str, **body: object) -> dict[str, Any]:
    r = await training.client.post(
        f"/v1/gatherings/{gathering_id}/registrations", json=body, headers=training.auth("member", member_id)
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _withdraw(training: RunningService, gathering_id: str, member_id: str) -> None:
    r = await training.client.delete(
        f"/v1/gatherings/{gathering_id}/registrations/me", headers=training.auth("member", member_id)
    )
    assert r.status_code == 204, r.text


async def _mine(training: RunningService, member_id: str) -> dict[str, dict[str, Any]]:
    r = await training.client.get("/v1/me/gatherings", headers=training.auth("member", member_id))
    assert r.status_code == 200, r.text
    return {g["id"]: g for g in r.json()}


async def _one(training: RunningService, member_id: str, gathering_id: str) -> dict[str, Any]:
    r = await training.client.get(f"/v1/me/gatherings/{gathering_id}", headers=training.auth("member", member_id))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _check_in(training: RunningService, gathering_id: str, body: dict[str, Any]) -> httpx.Response:
    return training.client.post(  # type: ignore[return-value]
        f"/v1/gatherings/{gathering_id}/check-ins", json=body, headers=training.auth("organiser")
    )


async def test_members_see_their_state_in_each_gathering_newest_first(training: RunningService, roster: Roster) -> None:
    placed, waiting, withdrawn, invited = await _members(training, roster, 4)
    soon = await published_gathering(training, gathering_body(COUNTY, capacity=1))
    later_start = school_day_start(47)
    later = await published_gathering(
        training,
        gathering_body(
            COUNTY,
            starts_at=later_start.isoformat(),
            ends_at=(later_start + timedelta(days=1)).isoformat(),
            sessions=[],
        ),  # fmt: skip
    )
    cancelled = await published_gathering(training, gathering_body(COUNTY))
    cancel = await training.client.post(
        f"/v1/gatherings/{cancelled}/cancel", json={"reason": "Storm"}, headers=training.auth("organiser")
    )
    assert cancel.status_code == 200, cancel.text
    await _register(training, soon, placed, dietary="vegetarian", accessibility="wheelchair")
    await _register(training, soon, waiting)
    await _register(training, soon, withdrawn)
    await _withdraw(training, soon, withdrawn)

    mine = await _mine(training, placed)
    ours = [gid for gid in mine if gid in {soon, later, cancelled}]
    assert ours.index(later) < ours.index(soon), "newest first"
    assert mine[cancelled]["status"] == "cancelled" and mine[cancelled]["my_state"] == "invited"
    held = mine[soon]
    assert held["my_state"] == "registered" and CHECK_IN_CODE.match(held["check_in_code"])
    assert (held["dietary"], held["accessibility"], held["capacity"], held["places_left"]) == (
        "vegetarian", "wheelchair", 1, 0,
    )  # fmt: skip
    assert held["can_withdraw"] is True and held["can_register"] is False
    assert held["withdrawal_deadline"] and held["registration_opens"] and held["registration_closes"]
    assert held["sessions"][0]["kind"] == "storytelling" and held["venue"]["kommunenummer"] == "4601"
    assert held["region"] == [COUNTY] and held["status"] == "published"
    assert mine[later]["my_state"] == "invited" and mine[later]["check_in_code"] is None
    assert mine[later]["can_register"] is True and mine[later]["places_left"] == 5
    assert (await _one(training, placed, soon))["check_in_code"] == held["check_in_code"], "the code is stable"

    in_line = await _one(training, waiting, soon)
    assert (in_line["my_state"], in_line["waitlist_position"], in_line["check_in_code"]) == ("waitlisted", 1, None)
    assert in_line["dietary"] is None, "a member sees their own needs, not another's"
    gone = await _one(training, withdrawn, soon)
    assert (gone["my_state"], gone["can_register"], gone["can_withdraw"]) == ("withdrawn", True, False)
    assert (await _one(training, invited, soon))["my_state"] == "invited"

    await _withdraw(training, soon, placed)
    offered = await _one(training, waiting, soon)
    assert offered["my_state"] == "offered" and offered["offer_expires_at"] and offered["check_in_code"] is None
    assert offered["waitlist_position"] is None


async def test_a_check_in_code_survives_withdrawing_and_registering_again(
    training: RunningService, roster: Roster
) -> None:
    (member,) = await _members(training, roster, 1)
    gathering_id = await published_gathering(training, gathering_body(COUNTY))
    await _register(training, gathering_id, member)
    first = (await _one(training, member, gathering_id))["check_in_code"]
    await _withdraw(training, gathering_id, member)
    assert (await _one(training, member, gathering_id))["check_in_code"] is None
    await _register(training, gathering_id, member)
    assert (await _one(training, member, gathering_id))["check_in_code"] == first


async def test_organisers_check_in_by_code_and_trained_members_get_a_proof_anyone_can_verify(
    training: RunningService, roster: Roster
) -> None:
    trained, absent = await _members(training, roster, 2)
    gathering_id = await published_gathering(training, gathering_body(COUNTY, capacity=2))
    other_id = await published_gathering(training, gathering_body(COUNTY, capacity=2))
    for m in (trained, absent):
        await _register(training, gathering_id, m)
    await _register(training, other_id, absent)
    code = (await _one(training, trained, gathering_id))["check_in_code"]
    elsewhere = (await _one(training, absent, other_id))["check_in_code"]
    early = await training.client.get(
        f"/v1/me/gatherings/{gathering_id}/certificate", headers=training.auth("member", trained)
    )
    assert early.status_code == 409, early.text

    with frozen_clock(training, school_day_start(40) + timedelta(hours=1)):
        typed = await _check_in(training, gathering_id, {"code": f" {code.replace('-', ' ').lower()} "})
        scanned = await _check_in(training, gathering_id, {"code": code})
        by_id = await _check_in(training, gathering_id, {"member_id": trained})
        unknown = await _check_in(training, gathering_id, {"code": elsewhere})
        both = await _check_in(training, gathering_id, {"code": code, "member_id": trained})
        neither = await _check_in(training, gathering_id, {})
        nulls = await _check_in(training, gathering_id, {"code": None})
        malformed = await _check_in(training, gathering_id, {"code": "0O1I-0O1I"})
        completed = await training.client.post(f"/v1/gatherings/{gathering_id}/complete",
                                               headers=training.auth("organiser"))  # fmt: skip

    assert (typed.status_code, scanned.status_code, by_id.status_code) == (201, 200, 200)
    assert typed.json()["member_id"] == trained and scanned.json()["checked_in_at"] == typed.json()["checked_in_at"]
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["errors"][0]["field"] == "code"
    for refused, field in ((both, "code"), (neither, "member_id"), (nulls, "code"), (malformed, "code")):
        assert refused.status_code == 422, refused.text
        assert field in {e["field"] for e in refused.json()["errors"]}
    assert completed.status_code == 200, completed.text

    done = await _one(training, trained, gathering_id)
    assert done["my_state"] == "trained" and done["status"] == "completed" and done["completed_at"]
    assert (await _one(training, absent, gathering_id))["my_state"] == "registered"
    proof = await training.client.get(
        f"/v1/me/gatherings/{gathering_id}/certificate", headers=training.auth("member", trained)
    )
    assert proof.status_code == 200, proof.text
    certificate = proof.json()
    assert VERIFICATION_CODE.match(certificate["verification_code"]) and "name" not in certificate
    assert (certificate["gathering_id"], certificate["title"], certificate["region"]) == (
        gathering_id, "Samling 2025", [COUNTY],
    )  # fmt: skip
    assert certificate["completed_at"] == done["completed_at"]
    not_trained = await training.client.get(
        f"/v1/me/gatherings/{gathering_id}/certificate", headers=training.auth("member", absent)
    )
    assert not_trained.status_code == 404, not_trained.text

    verification = certificate["verification_code"]
    for typed_code in (verification, verification.replace("-", "").lower()):
        checked = await training.client.get(f"/v1/certificates/{typed_code}")  # no sign-in
        assert checked.status_code == 200, checked.text
        body = checked.json()
        assert body["genuine"] is True and body["title"] == "Samling 2025"
        assert body["verification_code"] == verification and trained not in checked.text
    for bogus in ("ABCD-EFGH-JKLM-NPQR", "x" * 41, "%00", "9999-12-31"):
        refused = await training.client.get(f"/v1/certificates/{bogus}")
        assert refused.status_code in (404, 422), (bogus, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_only_members_see_their_own_gatherings_and_hostile_ids_are_refused(
    training: RunningService, roster: Roster
) -> None:
    member, stranger = await _members(training, roster, 1), uid("stranger")
    gathering_id = await published_gathering(training, gathering_body(COUNTY))
    await _register(training, gathering_id, member[0], dietary="nuts")
    paths = ["/v1/me/gatherings", f"/v1/me/gatherings/{gathering_id}", f"/v1/me/gatherings/{gathering_id}/certificate"]
    for path in paths:
        for others in (training.auth("organiser"), training.auth("school", "974760673")):
            refused = await training.client.get(path, headers=others)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await training.client.get(path)).status_code == 401

    assert gathering_id not in await _mine(training, stranger)
    for path in paths[1:]:
        hidden = await training.client.get(path, headers=training.auth("member", stranger))
        assert hidden.status_code == 404, hidden.text
        assert hidden.headers["content-type"].startswith("application/problem+json")
    draft = await training.client.post("/v1/gatherings", json=gathering_body(COUNTY),
                                       headers=training.auth("organiser"))  # fmt: skip
    member_auth = training.auth("member", member[0])
    for hostile in (draft.json()["id"], "no-such-gathering", "x" * 101, "%00", "9999-12-31T00:00:00Z"):
        r = await training.client.get(f"/v1/me/gatherings/{hostile}", headers=member_auth)
        assert r.status_code in (404, 422), (hostile, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    hostile_codes: list[object] = ["K7QX\x00M2PD", "K" * 1000, 12345678, ["K7QX-M2PD"]]
    for code in hostile_codes:
        r = await _check_in(training, gathering_id, {"code": code})
        assert r.status_code == 422, (code, r.text)


async def test_an_organiser_sees_a_members_gatherings_within_the_region_without_their_code(
    training: RunningService, roster: Roster
) -> None:
    (member,) = await _members(training, roster, 1)
    gathering = await published_gathering(training, gathering_body(COUNTY))  # venue 4601, county 55
    await _register(training, gathering, member, dietary="vegetarian")

    r = await training.client.get(f"/v1/members/{member}/gatherings", headers=training.auth("organiser"))
    assert r.status_code == 200, r.text
    (seen,) = [g for g in r.json() if g["id"] == gathering]
    assert seen["state"] == "registered" and seen["status"] == "published"
    assert "check_in_code" not in seen and "dietary" not in seen  # the member's own
    elsewhere = training.auth("organiser", region=Region.of(fylker=["03"]))
    r = await training.client.get(f"/v1/members/{member}/gatherings", headers=elsewhere)
    assert r.status_code == 200 and gathering not in {g["id"] for g in r.json()}
    r = await training.client.get(f"/v1/members/{member}/gatherings", headers=training.auth("member", member))
    assert r.status_code == 403
    r = await training.client.get("/v1/members/not-a-uuid/gatherings", headers=training.auth("organiser"))
    assert r.status_code == 422 and "member_id" in r.text
