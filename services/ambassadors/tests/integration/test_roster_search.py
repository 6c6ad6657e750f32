"""The roster as the organisers' pages read it: search and filters, keyset pages by name, a member's visits, and
an import's dry run that says row by row what it would do and writes nothing."""

import uuid

from ambassadors_harness import Harness

from outreach_shared.regions import Region


def csv_rows(*rows: str) -> bytes:
    header = "Navn;Yrke;Kommunenummer;E-post;Mobil;Språk;Maks besøk per måned\n"
    return (header + "".join(r + "\n" for r in rows)).encode()


async def test_search_filters_and_keyset_pages_find_each_member_once_by_name(harness: Harness) -> None:
    h = harness
    tag = uuid.uuid4().hex[:8]
    names = [f"Zq{tag} {n}" for n in ("Aase", "Berit", "Cecilie", "Dina", "Eli")]
    ids = [await h.add_member(name, languages=["nb", "en"] if i % 2 else ["nb"]) for i, name in enumerate(names)]
    auth = h.svc.auth("organiser")

    seen, after = [], None
    while True:
        params: dict[str, str | int] = {"q": f"zq{tag}", "limit": 2} | ({"after": after} if after else {})
        page = (await h.svc.client.get("/v1/members", params=params, headers=auth)).json()
        seen += [m["name"] for m in page]
        if len(page) < 2:
            break
        after = page[-1]["id"]
    assert seen == names  # by name, each once, across three pages

    english = await h.svc.client.get("/v1/members", params={"q": f"ZQ{tag}", "language": "en"}, headers=auth)
    assert [m["id"] for m in english.json()] == [ids[1], ids[3]]
    await h.pool.execute("UPDATE members SET trained_year = 2026 WHERE id = $1", ids[4])
    trained = await h.svc.client.get("/v1/members", params={"q": tag, "trained_year": 2026}, headers=auth)
    assert [m["id"] for m in trained.json()] == [ids[4]]
    by_mail = await h.svc.client.get("/v1/members", params={"q": "%"}, headers=auth)  # a literal %, not "any"
    assert by_mail.status_code == 200 and by_mail.json() == []
    unknown = await h.svc.client.get("/v1/members", params={"after": str(uuid.uuid4())}, headers=auth)
    assert unknown.json() == []


async def test_a_regional_organiser_finds_no_one_outside_the_region(harness: Harness) -> None:
    h = harness
    tag = uuid.uuid4().hex[:8]
    oslo = await h.add_member(f"Yq{tag} Oslo", kommunenummer="0301")
    trondheim = await h.add_member(f"Yq{tag} Trondheim", kommunenummer="5001")
    regional = h.svc.auth("organiser", region=Region.of(fylker=["03"]))
    found = await h.svc.client.get("/v1/members", params={"q": tag}, headers=regional)
    assert [m["id"] for m in found.json()] == [oslo]
    assert (await h.svc.client.get(f"/v1/members/{trondheim}/visits", headers=regional)).status_code == 404
    assert (await h.svc.client.get(f"/v1/members/{oslo}/visits", headers=regional)).json() == {
        "upcoming": [],
        "past": [],
    }


async def test_hostile_filters_are_refused_naming_the_field(harness: Harness) -> None:
    h = harness
    auth = h.svc.auth("organiser")
    for params, field in (
        ({"q": "a\x00b"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"trained_year": 9999}, "trained_year"),
        ({"language": "de"}, "language"),
        ({"after": "not-an-id"}, "after"),
        ({"kommunenummer": "50\x0001"}, "kommunenummer"),
    ):
        r = await h.svc.client.get("/v1/members", params=params, headers=auth)
        assert r.status_code == 422 and field in r.text, (params, r.text)
    member = await h.svc.client.get("/v1/members", headers=h.svc.auth("member", str(uuid.uuid4())))
    assert member.status_code == 403


async def test_a_dry_run_says_row_by_row_what_the_import_would_do_and_writes_nothing(harness: Harness) -> None:
    h = harness
    tag = uuid.uuid4().hex[:6]
    kept = await h.add_member(f"Kept {tag}", email=f"kept.{tag}@example.no", phone="41234567", max_visits_per_month=3)
    same = await h.add_member(f"Same {tag}", email=f"same.{tag}@example.no", phone="41234568",
                              max_visits_per_month=2, profession="health_worker")  # fmt: skip
    rows = (
        f"Kept {tag};sykepleier;5001;kept.{tag}@example.no;41234567;nb;5",
        f"Same {tag};helsefagarbeider;5001;same.{tag}@example.no;41234568;nb;2",
        f"New {tag};sykepleier;5001;new.{tag}@example.no;41234569;nb;1",
    )
    before = await h.pool.fetchval("SELECT count(*) FROM members")
    r = await h.svc.client.post("/v1/members/import", params={"dry_run": "true"}, content=csv_rows(*rows),
                                headers=h.svc.auth("organiser") | {"content-type": "text/csv"})  # fmt: skip
    assert r.status_code == 200, r.text
    preview = r.json()
    assert [(row["line"], row["action"]) for row in preview["rows"]] == [
        (2, "updated"), (3, "unchanged"), (4, "created")
    ]  # fmt: skip
    assert preview["rows"][0]["member_id"] == kept and preview["rows"][0]["changed"] == ["max_visits_per_month"]
    assert preview["rows"][1]["member_id"] == same and preview["rows"][2]["email"] == f"new.{tag}@example.no"
    assert await h.pool.fetchval("SELECT count(*) FROM members") == before
    assert await h.pool.fetchval("SELECT max_visits_per_month FROM members WHERE id = $1", uuid.UUID(kept)) == 3
    assert await h.pool.fetchval("SELECT count(*) FROM outbox WHERE key = $1", kept) == 1  # its registration only

    bad = await h.svc.client.post("/v1/members/import", params={"dry_run": "true"},
                                  content=csv_rows(rows[2], f"Bad {tag};sykepleier;9999;bad.{tag}@example.no;4;nb;1"),
                                  headers=h.svc.auth("organiser") | {"content-type": "text/csv"})  # fmt: skip
    assert bad.status_code == 422 and [e["line"] for e in bad.json()["errors"]] == [3]

    done = await h.svc.client.post("/v1/members/import", content=csv_rows(*rows),
                                   headers=h.svc.auth("organiser") | {"content-type": "text/csv"})  # fmt: skip
    assert [row["action"] for row in done.json()["rows"]] == ["updated", "unchanged", "created"]
