"""`outreach-ambassadors import-members FILE`: the roster and its events in one unit of work, or nothing."""

import uuid
from typing import Any

import pytest
from ambassadors_harness import Harness

from ambassadors.__main__ import import_file
from ambassadors.service_layer.roster_import import RosterRejected

HEADER = "\ufeffNavn;Yrke;Kommunenummer;E-post;Mobil;Språk;Maks besøk per måned\n"


async def test_the_command_imports_the_roster_and_writes_its_events_to_the_outbox(
    harness: Harness, provisioned_dsns: Any
) -> None:
    h, tag = harness, uuid.uuid4().hex[:6]
    dsn = await provisioned_dsns("ambassadors")
    good = f"Ola Hansen;helsefagarbeider;5001;ola.{tag}@example.no;41234567;nb, en;3\n"

    with pytest.raises(RosterRejected):
        await import_file((HEADER + good + f"Per Feil;sykepleier;9999;per.{tag}@example.no;41234567;nb;2\n").encode(),
                          dsn)  # fmt: skip
    assert await h.pool.fetchval("SELECT count(*) FROM members WHERE email LIKE $1", f"%.{tag}@example.no") == 0

    report = await import_file((HEADER + good).encode(), dsn)

    (member_id,) = report.created
    event = await h.pool.fetchrow("SELECT envelope FROM outbox WHERE key = $1", member_id)
    assert event["envelope"]["type"] == "member.registered"
    assert event["envelope"]["correlation_id"].startswith("import:")
