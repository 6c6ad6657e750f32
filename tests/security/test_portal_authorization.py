"""Who may do what on the portal's own API: the roles and scopes sign-in brings (national and regional organisers,
a school's contact, a member, a school's system with a client token) against every endpoint that changes who may
act, mints access, or reads the audit trail. One matrix, asserted whole."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from uuid import uuid4

import pytest
import pytest_asyncio

from outreach_dev.testing.service import RunningService, running_service
from outreach_shared.regions import Region
from portal.bootstrap import SERVICE as PORTAL

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCHOOL, OTHER_SCHOOL = "974760673", "971524960"
MEMBER = str(uuid4())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def portal(provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str
                 ) -> AsyncIterator[RunningService]:
    """The portal on its own consumer group."""
    async with running_service(PORTAL, dsn=await provisioned_dsns("portal"), kafka_bootstrap=kafka_bootstrap,
                               consumer_group=f"security-portal-{secrets.token_hex(4)}") as svc:  # fmt: skip
        yield svc


def callers(portal: RunningService) -> dict[str, dict[str, str]]:
    """Every kind of caller, by name."""
    return {
        "anonymous": {},
        "national": portal.auth("organiser"),
        "regional": portal.auth("organiser", region=Region.of(fylker=["03"])),
        "school": portal.auth("school", SCHOOL),
        "other school": portal.auth("school", OTHER_SCHOOL),
        "member": portal.auth("member", MEMBER),
        "booking token": portal.auth("organiser", audience="booking"),  # right role, another service's audience
    }


ENDPOINTS: list[tuple[str, str, dict[str, object], set[str]]] = [  # method, path, body, who gets in
    ("GET", "/v1/audit", {}, {"national"}),
    ("POST", "/v1/keys/rotate", {}, {"national"}),
    ("POST", "/v1/signin-links", {"json": {"role": "member", "subject": MEMBER}}, {"national"}),
    ("GET", f"/v1/schools/{SCHOOL}/clients", {}, {"national", "school"}),
    ("POST", f"/v1/schools/{SCHOOL}/clients", {"json": {"name": "Timeplan"}}, {"national", "school"}),
    ("GET", "/v1/operations/set-aside", {}, {"national"}),
    ("GET", "/v1/organisers", {}, {"national"}),
    ("GET", f"/v1/schools/{SCHOOL}/contacts", {}, {"national"}),
    ("GET", "/v1/school-contact-requests", {}, {"national"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
async def test_each_portal_endpoint_lets_in_exactly_its_roles_and_scopes(
    portal: RunningService, method: str, path: str, body: dict[str, object], allowed: set[str]
) -> None:
    answers = {}
    for name, headers in callers(portal).items():
        response = await portal.client.request(method, path, headers=headers, **body)  # type: ignore[arg-type]
        answers[name] = response.status_code
    expected = {name: ("in" if name in allowed else 401 if name in ("anonymous", "booking token") else 403)
                for name in answers}  # fmt: skip
    seen = {name: ("in" if code < 300 else code) for name, code in answers.items()}
    assert seen == expected


async def test_a_client_token_acts_for_its_school_on_booking_only_and_cannot_manage_clients(
    portal: RunningService,
) -> None:
    created = await portal.client.post(f"/v1/schools/{SCHOOL}/clients", json={"name": "Skolesystem"},
                                       headers=portal.auth("school", SCHOOL))  # fmt: skip
    assert created.status_code == 201, created.text
    issued = await portal.client.post("/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=(created.json()["client_id"], created.json()["client_secret"]))  # fmt: skip
    token = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    # its audience is booking: the portal itself refuses it, so a leaked system token cannot mint more clients
    again = await portal.client.post(f"/v1/schools/{SCHOOL}/clients", json={"name": "x"}, headers=token)
    assert again.status_code == 401
    assert (await portal.client.get("/v1/audit", headers=token)).status_code == 401
