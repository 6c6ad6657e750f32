"""Schools' own systems: API clients created, listed and revoked by the school's contact (or a national organiser),
exchanged at POST /oauth/token (RFC 6749 §4.4) for a 15-minute school token the services verify with the JWKS."""

import base64
import random
import uuid
from typing import Any

import httpx
import jwt
import pytest

from outreach_dev.testing.service import RunningService
from outreach_shared.errors import Unauthorized
from outreach_shared.regions import Region
from outreach_shared.signing import KeySet, parse_jwks, verify_token

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _orgnr() -> str:
    return str(random.randint(800_000_000, 999_999_999))


async def _create(portal: RunningService, orgnr: str, name: str = "Skolens timeplan") -> dict[str, Any]:
    made = await portal.client.post(f"/v1/schools/{orgnr}/clients", json={"name": name},
                                    headers=portal.auth("school", orgnr))  # fmt: skip
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _exchange(portal: RunningService, client_id: str, secret: str, **form: str) -> httpx.Response:
    return await portal.client.post("/oauth/token", data={"grant_type": "client_credentials", **form},
                                    auth=(client_id, secret))  # fmt: skip


async def _audit(portal: RunningService, action: str, target: str) -> list[dict[str, Any]]:
    rows = await portal.runtime.pool.fetch(
        "SELECT actor, action, target, details FROM audit_log WHERE action = $1 AND target = $2", action, target
    )
    return [dict(r) for r in rows]


async def test_a_client_exchanges_its_secret_for_a_school_token_the_services_verify(portal: RunningService) -> None:
    orgnr = _orgnr()
    made = await _create(portal, orgnr)
    assert set(made) == {"client_id", "client_secret", "name", "created_at"} and made["client_id"].startswith("oc_")
    answer = await _exchange(portal, made["client_id"], made["client_secret"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 900, "booking")
    keys = KeySet(parse_jwks((await portal.client.get("/.well-known/jwks.json")).json()))
    principal = await verify_token(keys, body["access_token"], audience="booking")
    assert (principal.role, principal.orgnr) == ("school", orgnr)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == made["client_id"] and claims["exp"] - claims["iat"] <= 15 * 60
    with pytest.raises(Unauthorized, match="not for notify"):
        await verify_token(keys, body["access_token"], audience="notify")
    listed = await portal.client.get(f"/v1/schools/{orgnr}/clients", headers=portal.auth("school", orgnr))
    [shown] = listed.json()["clients"]
    assert shown["last_used_at"] is not None and "client_secret" not in shown
    assert made["client_secret"] not in listed.text
    stored = await portal.runtime.pool.fetchval("SELECT secret_hash FROM api_clients WHERE client_id = $1",
                                                made["client_id"])  # fmt: skip
    assert stored.startswith("scrypt$") and made["client_secret"] not in stored
    [created] = await _audit(portal, "client_created", made["client_id"])
    assert created["actor"] == f"school:{orgnr}" and made["client_secret"] not in str(created)


async def test_the_form_authenticates_the_client_as_well_as_basic(portal: RunningService) -> None:
    made = await _create(portal, _orgnr())
    answer = await portal.client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": made["client_id"], "client_secret": made["client_secret"],
        "audience": "booking"})  # fmt: skip
    assert answer.status_code == 200, answer.text


async def test_a_revoked_client_gets_no_new_token_at_once(portal: RunningService) -> None:
    orgnr = _orgnr()
    made = await _create(portal, orgnr)
    assert (await _exchange(portal, made["client_id"], made["client_secret"])).status_code == 200
    gone = await portal.client.delete(f"/v1/schools/{orgnr}/clients/{made['client_id']}",
                                      headers=portal.auth("school", orgnr))  # fmt: skip
    assert gone.status_code == 204
    refused = await _exchange(portal, made["client_id"], made["client_secret"])
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert refused.headers["www-authenticate"].startswith("Basic")
    [revoked] = await _audit(portal, "client_revoked", made["client_id"])
    assert revoked["actor"] == f"school:{orgnr}"
    reasons = [r["details"]["reason"] for r in await _audit(portal, "client_token_refused", made["client_id"])]
    assert reasons == ["revoked"]
    listed = await portal.client.get(f"/v1/schools/{orgnr}/clients", headers=portal.auth("organiser"))
    assert listed.json()["clients"][0]["revoked_at"] is not None


async def test_a_wrong_secret_or_unknown_client_is_refused(portal: RunningService) -> None:
    made = await _create(portal, _orgnr())
    wrong = await _exchange(portal, made["client_id"], made["client_secret"] + "x")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["cache-control"] == "no-store"
    unknown = await _exchange(portal, "oc_" + "A" * 32, made["client_secret"])
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    [refusal] = await _audit(portal, "client_token_refused", made["client_id"])
    assert refusal["details"] == {"reason": "wrong_secret"} and made["client_secret"] not in str(refusal)


async def test_failed_attempts_are_limited_per_client(portal: RunningService) -> None:
    made = await _create(portal, _orgnr())
    for _ in range(10):
        assert (await _exchange(portal, made["client_id"], "guess")).status_code == 401
    limited = await _exchange(portal, made["client_id"], made["client_secret"])
    assert limited.status_code == 429 and limited.json()["error"] == "too_many_attempts"
    other = await _create(portal, _orgnr())
    assert (await _exchange(portal, other["client_id"], other["client_secret"])).status_code == 200


async def test_a_token_only_for_the_services_a_school_uses(portal: RunningService) -> None:
    made = await _create(portal, _orgnr())
    for scope in ("ambassadors", "booking portal", "booking\tnotify"):
        answer = await _exchange(portal, made["client_id"], made["client_secret"], scope=scope)
        assert answer.status_code == 400 and answer.json()["error"] in {"invalid_scope", "invalid_request"}


async def test_who_may_manage_a_schools_clients(portal: RunningService) -> None:
    mine, theirs = _orgnr(), _orgnr()
    made = await _create(portal, theirs)
    path = f"/v1/schools/{theirs}/clients"
    outsiders = [portal.auth("school", mine), portal.auth("member", str(uuid.uuid4())),
                 portal.auth("organiser", region=Region.of(["50"]))]  # fmt: skip
    for who in outsiders:
        for answer in (await portal.client.get(path, headers=who),
                       await portal.client.post(path, json={"name": "x"}, headers=who),
                       await portal.client.delete(f"{path}/{made['client_id']}", headers=who)):  # fmt: skip
            assert answer.status_code == 403, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
    assert (await portal.client.get(path)).status_code == 401
    assert (await _exchange(portal, made["client_id"], made["client_secret"])).status_code == 200
    # Another school's client id under my orgnr is not found (and not revoked).
    mine_path = f"/v1/schools/{mine}/clients/{made['client_id']}"
    assert (await portal.client.delete(mine_path, headers=portal.auth("school", mine))).status_code == 404
    national = portal.auth("organiser")
    made_by_organiser = await portal.client.post(path, json={"name": "Support"}, headers=national)
    assert made_by_organiser.status_code == 201
    assert len((await portal.client.get(path, headers=national)).json()["clients"]) == 2
    assert (await portal.client.delete(f"{path}/{made['client_id']}", headers=national)).status_code == 204


@pytest.mark.parametrize(("orgnr", "body", "field"), [
    ("974760673", {"name": ""}, "name"),
    ("974760673", {"name": "a\x00b"}, "name"),
    ("974760673", {"name": "line\nbreak"}, "name"),
    ("974760673", {"name": "x" * 101}, "name"),
    ("974760673", {"name": "x" * 1_000_000}, "name"),
    ("974760673", {"name": "ok", "secret": "mine"}, "secret"),
    ("12345", {"name": "ok"}, "orgnr"),
    ("9747606x3", {"name": "ok"}, "orgnr"),
])  # fmt: skip
async def test_hostile_client_requests_are_refused_naming_the_field(
    portal: RunningService, orgnr: str, body: dict[str, str], field: str
) -> None:
    answer = await portal.client.post(f"/v1/schools/{orgnr}/clients", json=body,
                                      headers=portal.auth("school", "974760673"))  # fmt: skip
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json" and field in answer.text


async def test_a_bad_client_id_to_revoke_is_refused(portal: RunningService) -> None:
    orgnr = _orgnr()
    nul = await portal.client.post("/v1/schools/97476067%00/clients", json={"name": "ok"},
                                   headers=portal.auth("school", "974760673"))  # fmt: skip
    assert nul.status_code == 404 and nul.headers["content-type"] == "application/problem+json"
    for client_id in ("nope", "oc_" + "a" * 200, "oc_%00" + "a" * 30):
        answer = await portal.client.delete(f"/v1/schools/{orgnr}/clients/{client_id}",
                                            headers=portal.auth("school", orgnr))  # fmt: skip
        assert answer.status_code in {404, 422}, answer.text


def _basic(value: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(value).decode()}


@pytest.mark.parametrize(("content", "headers", "status", "error"), [
    (b"grant_type=password&username=a&password=b", {}, 400, "unsupported_grant_type"),
    (b"client_id=oc_x&client_secret=y", {}, 400, "invalid_request"),
    (b"grant_type=client_credentials", {}, 401, "invalid_client"),
    (b"grant_type=client_credentials&grant_type=client_credentials", {}, 400, "invalid_request"),
    (b"grant_type=client_credentials&client_id=a%00b&client_secret=c", {}, 400, "invalid_request"),
    (b"grant_type=client_credentials&client_secret=" + b"x" * 1_000_000, {}, 413, "invalid_request"),
    (b"grant_type=client_credentials&client_id=" + b"x" * 3000 + b"&client_secret=y", {}, 400, "invalid_request"),
    (b"grant_type=client_credentials&client_id=oc_a&client_secret=b", _basic(b"oc_a:b"), 400, "invalid_request"),
    (b"grant_type=client_credentials", _basic(b"no-colon"), 400, "invalid_request"),
    (b"grant_type=client_credentials", {"Authorization": "Basic !!!"}, 400, "invalid_request"),
    (b"grant_type=client_credentials", {"Authorization": "Bearer abc"}, 400, "invalid_request"),
    (b"grant_type=client_credentials", _basic(b"\xff\xfe:x"), 400, "invalid_request"),
    (b"grant_type=client_credentials", _basic(b"oc_" + b"a" * 30 + b":"), 401, "invalid_client"),
    (b'{"grant_type": "client_credentials"}', {"Content-Type": "application/json"}, 400, "invalid_request"),
    (b"grant_type=\xff", {}, 400, "invalid_request"),
])  # fmt: skip
async def test_hostile_token_requests_get_rfc_6749_errors(
    portal: RunningService, content: bytes, headers: dict[str, str], status: int, error: str
) -> None:
    sent = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    answer = await portal.client.post("/oauth/token", content=content, headers=sent)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error and answer.headers["cache-control"] == "no-store"


async def test_the_client_endpoints_are_documented_with_their_bounds(portal: RunningService) -> None:
    spec = (await portal.client.get("/openapi.json")).json()
    create = spec["paths"]["/v1/schools/{orgnr}/clients"]["post"]
    assert {"201", "401", "403", "422"} <= set(create["responses"])
    name = spec["components"]["schemas"]["ClientIn"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, 100)
    assert {"204", "403", "404"} <= set(spec["paths"]["/v1/schools/{orgnr}/clients/{client_id}"]["delete"]["responses"])
    token = spec["paths"]["/oauth/token"]["post"]
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]
    assert {"200", "400", "401", "429"} <= set(token["responses"])
