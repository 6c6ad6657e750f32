"""The organisers' operations page on the running system, on a desktop and on a phone: a record no service can
handle becomes a dead letter; a national organiser finds it with its reason, replays it (it reaches its topic
again), sees it marked replayed and the replay in the audit log; a regional organiser has no Operations in the
menu and is refused the page. axe-core on every state reached."""

import uuid

from aiokafka import ConsumerRecord
from flows_kit import Stack, eventually
from playwright.async_api import expect
from web_kit import allow_organiser, sign_in_by_mail

from outreach_dev.testing.kafka import publish_raw, read_topic
from outreach_shared.contracts import Topics


def carrying(marker: bytes, records: list[ConsumerRecord]) -> list[ConsumerRecord]:
    return [r for r in records if r.value and marker in r.value]


async def test_an_organiser_replays_a_dead_letter_and_a_regional_one_cannot_see_operations(
    stack: Stack, open_visitor, kafka_bootstrap: str  # noqa: ANN001
) -> None:
    marker = f"flow-poison-{uuid.uuid4().hex}".encode()
    event_id = str(uuid.uuid4())
    poison = b'{"event_id": "%s", "type": "gathering.poisoned", "not an envelope": "%s"}' % (event_id.encode(), marker)
    await publish_raw(kafka_bootstrap, Topics.GATHERINGS, b"gathering-x", poison)
    letters = await read_topic(kafka_bootstrap, Topics.DEAD_LETTERS, until=lambda rs: bool(carrying(marker, rs)),
                               timeout=60)  # fmt: skip
    letter = carrying(marker, letters)[0]
    place = f"{letter.partition}/{letter.offset}"

    async def stored() -> bool:
        page = await stack.client("notify").get("/v1/operations/dead-letters", headers=stack.auth("organiser"),
                                                params={"limit": 200})  # fmt: skip
        return any((i["partition"], i["offset"]) == (letter.partition, letter.offset) for i in page.json()["items"])

    await eventually(stored, timeout=60)

    portal = stack.urls["portal"]
    national = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, national, await allow_organiser(stack))
    page = national.page
    await page.get_by_role("navigation").get_by_role("link", name="Operations").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Operations")
    row = page.get_by_role("row").filter(has=page.locator(f"form[action$='/{place}/replay']"))
    await expect(row).to_contain_text(Topics.GATHERINGS)
    await expect(row).to_contain_text("Never")
    await expect(row).to_contain_text(f"gathering.poisoned {event_id}")
    await expect(row).not_to_contain_text(marker.decode())  # never the payload
    await national.check("organiser operations")

    await row.get_by_role("button", name="Replay").click()
    await page.wait_for_url(f"{portal}/organiser/operations?done=replayed")
    await expect(page.get_by_role("status")).to_contain_text("The dead letter is sent again to its topic.")
    again = await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=lambda rs: len(carrying(marker, rs)) >= 2)
    replay_headers = dict(carrying(marker, again)[-1].headers)
    assert replay_headers["x-replayed-from-dead-letter-offset"] == str(letter.offset).encode()
    replayed = page.get_by_role("row").filter(has=page.locator(f"form[action$='/{place}/replay']"))
    await expect(replayed.get_by_role("button", name="Replay again")).to_be_visible()
    await expect(replayed).not_to_contain_text("Never")
    await expect(replayed).to_contain_text("(1)")
    audit = page.locator("section[aria-labelledby=audit-heading]")
    await expect(audit.get_by_role("row").filter(has_text=f"dead-letter:{place}")).to_contain_text(
        "dead_letter_replayed")
    await national.check("organiser operations replayed")

    phone = await open_visitor("phone", locale="nb-NO")
    await sign_in_by_mail(stack, phone, await allow_organiser(stack))
    await phone.goto(f"{portal}/organiser/operations")
    await expect(phone.page.get_by_role("heading", level=1)).to_have_text("Drift")
    await phone.check("organiser operations phone")

    regional = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, regional, await allow_organiser(stack, fylker=["46"]))
    await regional.goto(f"{portal}/organiser")
    await expect(regional.page.get_by_role("navigation").get_by_role("link", name="Roster")).to_be_visible()
    await expect(regional.page.get_by_role("navigation").get_by_role("link", name="Operations")).to_have_count(0)
    refused = await regional.page.goto(f"{portal}/organiser/operations")
    assert refused is not None and refused.status == 403
    await regional.check("organiser operations regional refused")
