"""A school's own system books through the portal's client credentials, as Maskinporten works: the school's contact
creates a client, the system exchanges it for a 15-minute token that booking verifies with the portal's published
keys alone, and revoking the client stops new tokens at once."""

import secrets

import httpx
import jwt
from flows_kit import Stack, next_weekday_window, random_orgnr, unique_email, unique_phone

TROMSO = "5501"


def booking_body(orgnr: str) -> dict[str, object]:
    """A visit request as a school's system sends it."""
    return {
        "school": {"orgnr": orgnr, "name": f"Skole {orgnr[-4:]}", "kommunenummer": TROMSO, "address": "Skolevegen 2"},
        "contact": {"name": "Rådgiver Siri", "email": unique_email("system"), "phone": unique_phone()},
        "kind": "school_visit", "audience": {"description": "9. trinn", "pupils": 40}, "professions": ["nurse"],
        "language": "nb", "windows": [next_weekday_window(days_ahead=12)], "team_size": 1,
    }  # fmt: skip


async def exchange(stack: Stack, client_id: str, client_secret: str) -> httpx.Response:
    """The client-credentials grant, with HTTP Basic as the README's curl does."""
    return await stack.client("portal").post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, client_secret)
    )


async def test_a_schools_system_books_with_a_client_token_until_the_client_is_revoked(stack: Stack) -> None:
    orgnr = random_orgnr()
    created = await stack.client("portal").post(
        f"/v1/schools/{orgnr}/clients", json={"name": "Skolens timeplansystem"}, headers=stack.auth("school", orgnr)
    )
    assert created.status_code == 201, created.text
    client_id, client_secret = created.json()["client_id"], created.json()["client_secret"]

    issued = await exchange(stack, client_id, client_secret)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "EdDSA" and header["kid"] != stack.signing_key.kid  # the portal's own key, not dev's
    assert (claims["role"], claims["orgnr"], claims["aud"]) == ("school", orgnr, "booking")
    assert claims["exp"] - claims["iat"] <= 15 * 60

    booked = await stack.client("booking").post(
        "/v1/visit-requests", json=booking_body(orgnr),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(8)},
    )  # fmt: skip
    assert booked.status_code == 201, booked.text
    other_school = booking_body(random_orgnr())
    refused = await stack.client("booking").post(
        "/v1/visit-requests", json=other_school,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": secrets.token_hex(8)},
    )  # fmt: skip
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "school.orgnr", refused.text
    # the token books for this school's orgnr only
    wrong_service = await stack.client("ambassadors").get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert wrong_service.status_code == 401, wrong_service.text  # its audience is booking

    revoked = await stack.client("portal").delete(
        f"/v1/schools/{orgnr}/clients/{client_id}", headers=stack.auth("school", orgnr)
    )
    assert revoked.status_code == 204, revoked.text
    after = await exchange(stack, client_id, client_secret)
    assert after.status_code == 401 and after.json()["error"] == "invalid_client", after.text
