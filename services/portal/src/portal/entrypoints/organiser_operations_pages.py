"""The national organisers' operations page: dead letters with their reasons and a replay button, what every
service's loops set aside (asked of each at once; one that does not answer is named, the rest still shown), and the
audit log newest first. A page at a time, by keyset. Regional organisers are refused: operations are national."""

import asyncio
import re
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from outreach_shared.errors import Invalid
from portal.adapters.audit import AuditQuery
from portal.adapters.service_apis import Caller, Refused, Unavailable
from portal.domain import organiser_operations as ops
from portal.domain.audit_cursors import cursor_of, place_of
from portal.entrypoints.browser import problem_page, redirect
from portal.entrypoints.pages import render
from portal.entrypoints.web import OrganiserForm, OrganiserPage, web_router
from portal.i18n import N_
from portal.service_layer import audit, operations

router = web_router()
DEAD_LETTER_CURSOR = r"^[0-9]{1,9}-[0-9]{1,18}$"
DONE = {
    "replayed": N_("The dead letter is sent again to its topic."),
    "already": N_("Nothing was sent: the dead letter was replayed already. Use Replay again to send it once more."),
    "gone": N_("Nothing was sent: the dead-letter topic no longer holds this record."),
    "unknown": N_("Nothing was sent: there is no such dead letter."),
}
"""What just happened, by the `done` the page was sent to with after a replay."""
Before = Annotated[str | None, Query(max_length=30, description="The dead letters' next page")]
After = Annotated[str | None, Query(max_length=200, description="The audit log's next page")]
Done = Annotated[str | None, Query(max_length=20, description="What just happened (others are ignored)")]


@router.get("/organiser/operations", response_class=HTMLResponse)
async def operations_page(request: Request, person: OrganiserPage, before: Before = None, after: After = None,
                          done: Done = None) -> Response:  # fmt: skip
    """Dead letters, set-aside items and the audit log (national organisers)."""
    if not person.account.region.national:
        return problem_page(request, 403)
    before = before if before and re.fullmatch(DEAD_LETTER_CURSOR, before) else None
    try:
        place = place_of(after)
    except Invalid:
        place = None
    apis = {service: await person.api(service) for service in ops.SERVICES}
    letters, *aside = await asyncio.gather(_dead_letters(apis["notify"], before),
                                           *(_set_aside(apis[s]) for s in ops.SERVICES))  # fmt: skip
    runtime = request.app.state.runtime
    async with person.begin() as uow:
        own = await operations.set_aside(uow, runtime.set_aside_sources, ops.SET_ASIDE_SHOWN)
        records, more = await audit.read(uow, AuditQuery(limit=ops.PAGE_SIZE, after=place, newest_first=True))
    by_service = dict(zip(ops.SERVICES, aside, strict=True)) | {"portal": [i.model_dump() for i in own]}
    set_aside, unread = ops.set_aside_rows(by_service)
    context = {
        "letters": ops.dead_letter_rows(letters) if letters is not None else None,
        "letters_next": f"/organiser/operations?before={letters['next']}" if letters and letters["next"] else None,
        "letters_paged": before is not None, "set_aside": set_aside, "unread": unread, "records": records,
        "audit_next": f"/organiser/operations?after={cursor_of(records[-1].entry.at, records[-1].id)}"
                      if more and records else None,
        "audit_paged": place is not None, "done": DONE.get(done or ""),
    }  # fmt: skip
    return render(request, "organiser/operations_page.html", context)


@router.post("/organiser/operations/dead-letters/{partition}/{offset}/replay", response_class=HTMLResponse)
async def replay(request: Request, partition: int, offset: int, person: OrganiserForm) -> Response:
    """Send the dead letter again to its original topic (again, if it was replayed before and the form says so)."""
    if not person.account.region.national:
        return problem_page(request, 403)
    if not (0 <= partition < 10**9 and 0 <= offset < 10**18):
        return problem_page(request, 404)
    again = (await request.form()).get("again") == "true"
    path = f"/v1/operations/dead-letters/{partition}/{offset}/replay" + ("?again=true" if again else "")
    try:
        replayed = await (await person.api("notify")).post(path)
    except Refused as exc:
        if exc.status == 404:
            return redirect("/organiser/operations?done=unknown")
        if exc.status == 409:
            return redirect(f"/organiser/operations?done={'already' if 'again=true' in exc.detail else 'gone'}")
        raise
    async with person.begin() as uow:
        operations.note_replay(uow, actor=person.account.key, partition=partition, offset=offset,
                               topic=replayed["topic"], again=again)  # fmt: skip
    return redirect("/organiser/operations?done=replayed")


async def _dead_letters(notify: Caller, before: str | None) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] = await notify.get("/v1/operations/dead-letters", params={
            "limit": ops.PAGE_SIZE, **({"before": before} if before else {})})  # fmt: skip
    except Unavailable:
        return None
    return result


async def _set_aside(api: Caller) -> list[dict[str, Any]] | None:
    try:
        found: list[dict[str, Any]] = await api.get("/v1/operations/set-aside", params={"limit": ops.SET_ASIDE_SHOWN})
    except Unavailable:
        return None
    return found
