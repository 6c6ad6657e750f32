"""A whole visit driven only by clients that openapi-python-client generates from each running service's OpenAPI
document, the way a school's or an organiser's own system would: every answer must parse (`parsed` is not None),
problem answers included, so the documents stay usable by others."""

import asyncio
import importlib
import io
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flows_kit import SERVICES, Stack, eventually, next_weekday_window, random_orgnr, unique_email, unique_phone

STAVANGER = "1103"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
async def clients(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A client package per service, generated now from the service's /openapi.json; the package names."""
    root = tmp_path_factory.mktemp("generated-clients")
    names = {}
    for service in SERVICES:
        response = await stack.client(service).get("/openapi.json")
        response.raise_for_status()
        spec, config, name = root / f"{service}.json", root / f"{service}.yaml", f"generated_{service}_client"
        spec.write_text(response.text)
        config.write_text(f"package_name_override: {name}\nproject_name_override: {name}\n")
        result = subprocess.run(
            [str(GENERATOR), "generate", "--path", str(spec), "--output-path", str(root / name), "--meta", "none",
             "--config", str(config)], capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        names[service] = name
    sys.path.insert(0, str(root))
    return names


class Generated:
    """The generated clients of the running stack, called as one role at a time."""

    def __init__(self, stack: Stack, packages: dict[str, str]) -> None:
        self.stack, self.packages = stack, packages

    def model(self, service: str, name: str) -> Any:
        """A model class of a service's client."""
        return getattr(importlib.import_module(f"{self.packages[service]}.models"), name)

    def file(self, content: bytes) -> Any:
        """A file body (the CSV import)."""
        return importlib.import_module(f"{self.packages['ambassadors']}.types").File(payload=io.BytesIO(content))

    async def call(
        self, service: str, operation: str, *args: Any, token: str, status: int = 200, blocking: bool = False, **kw: Any
    ) -> Any:
        """Call `tag.operation_id` of the service's client as the token's holder; the parsed answer (which must
        parse) with the expected status. `blocking` uses the client's sync API (a file body is a sync stream)."""
        package = importlib.import_module(self.packages[service])
        client = package.AuthenticatedClient(base_url=self.stack.urls[service], token=token)
        module = importlib.import_module(f"{self.packages[service]}.api.{operation}")
        if blocking:
            with client:
                response = await asyncio.to_thread(module.sync_detailed, *args, client=client, **kw)
        else:
            async with client:
                response = await module.asyncio_detailed(*args, client=client, **kw)
        assert response.status_code == status, (operation, response.status_code, response.content[:500])
        assert response.parsed is not None, f"{operation}: the generated client could not parse {response.content!r}"
        return response.parsed


def status_of(value: Any) -> str:
    """An enum of a generated model as its text."""
    return str(getattr(value.status, "value", value.status))


async def test_a_visit_booked_staffed_confirmed_and_cancelled_through_generated_clients(
    stack: Stack, clients: dict[str, str]
) -> None:
    gen, organiser = Generated(stack, clients), stack.token("organiser")
    members = await staff_the_roster(gen, organiser)
    orgnr = random_orgnr()
    school = stack.token("school", orgnr)
    request = gen.model("booking", "VisitRequestIn").from_dict({
        "school": {"orgnr": orgnr, "name": "Stavanger skole", "kommunenummer": STAVANGER, "address": "Skolegata 1"},
        "contact": {"name": "Rådgiver Rune", "email": unique_email("rune"), "phone": unique_phone()},
        "kind": "school_visit", "audience": {"description": "10. trinn", "pupils": 50},
        "professions": ["nurse", "health_worker"], "language": "nb", "windows": [next_weekday_window(days_ahead=12)],
        "team_size": 2})  # fmt: skip
    created = await gen.call("booking", "visit_requests.create_v1_visit_requests_post", token=school, body=request,
                             idempotency_key=secrets.token_hex(8), status=201)  # fmt: skip
    visit_id = created.id
    for member in members:
        await accept_the_offer(gen, member, visit_id)

    async def confirmed() -> Any:
        visit = await gen.call("booking", "visit_requests.get_request_v1_visit_requests_visit_id_get", visit_id,
                               token=school)  # fmt: skip
        return visit if status_of(visit) == "confirmed" else None

    visit = await eventually(confirmed)
    assert {m.first_name for m in visit.team} == {"Ida", "Jon"} and visit.contact is not None
    calendar = await gen.call("booking", "visit_requests.calendar_v1_visit_requests_visit_id_calendar_ics_get",
                              visit_id, token=school)  # fmt: skip
    assert isinstance(calendar, str) and calendar.startswith("BEGIN:VCALENDAR")
    await read_the_other_services(gen, organiser, members[0])
    stranger = stack.token("school", random_orgnr())
    problem = await gen.call("booking", "visit_requests.get_request_v1_visit_requests_visit_id_get", visit_id,
                             token=stranger, status=404)  # fmt: skip
    assert problem.status == 404 and problem.detail

    cancel = gen.model("booking", "CancelIn").from_dict({"reason": "eksamen flyttet"})
    cancelled = await gen.call("booking", "visit_requests.cancel_v1_visit_requests_visit_id_cancel_post", visit_id,
                               token=school, body=cancel)  # fmt: skip
    assert status_of(cancelled) == "cancelled" and cancelled.contact is not None


async def staff_the_roster(gen: Generated, organiser: str) -> list[str]:
    """An organiser imports one member from a CSV file and adds another; their ids."""
    ida_row = f"Ida Stavanger,nurse,{STAVANGER},{unique_email('ida')},{unique_phone()},nb,\"1,2,3,4,5,6,7\""
    roster = f"navn,yrke,kommunenummer,epost,telefon,språk,ukedager\n{ida_row}\n"
    imported = await gen.call("ambassadors", "roster.import_members_v1_members_import_post", token=organiser,
                              body=gen.file(roster.encode()), blocking=True)  # fmt: skip
    (ida,) = imported.created
    jon = gen.model("ambassadors", "MemberIn").from_dict({
        "name": "Jon Stavanger", "profession": "health_worker", "kommunenummer": STAVANGER,
        "email": unique_email("jon"), "phone": unique_phone(), "languages": ["nb"], "weekdays": [1, 2, 3, 4, 5, 6, 7]})
    created = await gen.call("ambassadors", "roster.create_member_v1_members_post", token=organiser, body=jon,
                             status=201)  # fmt: skip
    return [ida, created.id]


async def accept_the_offer(gen: Generated, member: str, visit_id: str) -> None:
    """The member waits for the visit's offer and accepts it."""
    token = gen.stack.token("member", member)

    async def offered() -> Any:
        offers = await gen.call("ambassadors", "offers.my_offers_v1_me_offers_get", token=token)
        return next((o for o in offers if o.visit_id == visit_id and status_of(o) == "offered"), None)

    offer = await eventually(offered)
    accepted = await gen.call("ambassadors", "offers.accept_offer_v1_offers_offer_id_accept_post", offer.id,
                              token=token)  # fmt: skip
    assert status_of(accepted) == "accepted"


async def read_the_other_services(gen: Generated, organiser: str, member: str) -> None:
    """The member's inbox, the organisers' delivery log (by the member's bare id) and gatherings all parse."""

    async def notices() -> list[Any]:
        inbox = await gen.call("notify", "notifications.my_notifications_v1_me_notifications_get",
                               token=gen.stack.token("member", member))  # fmt: skip
        return list(inbox.items)

    assert await eventually(notices)
    await gen.call("notify", "notifications.deliveries_v1_notifications_get", token=organiser, recipient=member)
    await gen.call("training", "gatherings_organiser.list_gatherings_v1_gatherings_get", token=organiser)
