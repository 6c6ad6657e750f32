"""Flow 7: a member is erased, and within seconds no service holds their personal data."""

import asyncpg
from flows_kit import (
    Stack,
    answer,
    book_visit,
    eventually,
    inbox_has,
    open_offer,
    random_orgnr,
    register_member,
    visit_in_status,
)

SCHEMAS = ("booking", "ambassadors", "training", "notify")


async def rows_mentioning(dsn: str, needles: list[str]) -> list[str]:
    """Every table row, in every service schema, whose text contains one of the needles."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'", list(SCHEMAS))
        found = []
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            for needle in needles:
                count = await conn.fetchval(f"SELECT count(*) FROM {name} AS r WHERE r::text ILIKE $1", f"%{needle}%")
                if count:
                    found.append(f"{name}: {count} row(s) with {needle!r}")
        return found
    finally:
        await conn.close()


async def test_flow_7_erased_member_leaves_no_personal_data_in_any_service(stack: Stack, stack_admin_dsn: str):
    member = await register_member(stack, name="Siri Slettes", profession="health_worker", kommunenummer="5007")
    orgnr = random_orgnr()  # Namsos: a visit, so booking, notify and ambassadors all hold something of her
    booked = await book_visit(stack, orgnr, kommunenummer="5007", professions=["health_worker"], team_size=1)
    offer = await eventually(lambda: open_offer(stack, member["id"], booked["id"]))
    await answer(stack, member["id"], offer["id"], "accept")
    confirmed = await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    assert [m["first_name"] for m in confirmed["team"]] == ["Siri"]
    await inbox_has(stack, member["id"], "visit_confirmed_member")
    needles = [member["email"], member["phone"], "Slettes"]
    assert await rows_mentioning(stack_admin_dsn, needles), "the member's data should be somewhere before erasure"

    organiser = stack.auth("organiser")
    erased = await stack.client("ambassadors").delete(f"/v1/members/{member['id']}", headers=organiser)
    assert erased.status_code == 204, erased.text

    async def nothing_left() -> bool:
        left = await rows_mentioning(stack_admin_dsn, needles)
        assert left == [], left
        return True

    await eventually(nothing_left, timeout=30)
    assert (await stack.client("ambassadors").get(f"/v1/members/{member['id']}", headers=organiser)).status_code == 404
    team = (await stack.client("booking").get(f"/v1/visit-requests/{booked['id']}",
                                              headers=stack.auth("school", orgnr))).json()["team"]
    assert all(m["first_name"] != "Siri" for m in team)
    inbox = await stack.client("notify").get("/v1/me/notifications", headers=stack.auth("member", member["id"]))
    assert inbox.json()["items"] == [] or all("Siri" not in i["body"] for i in inbox.json()["items"])
