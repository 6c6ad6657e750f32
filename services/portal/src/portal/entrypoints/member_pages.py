"""Members' pages (phone first): home, an offer and its answer, the inbox. My visits are in `member_visit_pages`.

Every page reads the member's own data from ambassadors and notify with the member's token; every change is a form
that posts (CSRF checked), then goes back to a page that says what happened (`?done=` names the message; it changes
nothing). The offer's mail and SMS links (`/tilbud/`, `/tilbod/`, `/offers/`) open the same page, which only shows
the offer: mail scanners follow links, so only its buttons answer.
"""

import asyncio
import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.service_apis import Refused
from portal.domain import member_forms, member_views
from portal.entrypoints.browser import problem_page, redirect
from portal.entrypoints.member_texts import DONE, Done, explained, field_problems, texts
from portal.entrypoints.member_visit_pages import router as visit_router
from portal.entrypoints.pages import render
from portal.entrypoints.web import Acting, MemberForm, MemberPage, web_router

router = web_router()
router.include_router(visit_router)
UUID_SHAPE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""What an offer's or a notice's id looks like; anything else is not found without asking a service."""
ALIASES = {"/tilbud/": "nb", "/tilbod/": "nn"}
"""The offer's links in Bokmål and Nynorsk mails: the page speaks the mail's language unless the person chose."""


@router.get("/me", response_class=HTMLResponse)
async def home(request: Request, person: MemberPage, done: Done = None) -> Response:
    """Open offers first (the one whose time runs out first on top), then upcoming visits, then the inbox."""
    ambassadors, notify = await person.api("ambassadors"), await person.api("notify")
    me, offers, visits, inbox = await asyncio.gather(
        ambassadors.get("/v1/me"), ambassadors.get("/v1/me/offers"), ambassadors.get("/v1/me/visits"),
        notify.get("/v1/me/notifications"),
    )  # fmt: skip
    now, place = person.clock.now(), me.get("kommunenummer")
    mine = member_views.myself(me)
    teams = member_views.teams(visits, me=mine)
    upcoming, _past = member_views.my_visits(visits, now=now, home=place, me=mine)
    items, unread, total = member_views.inbox(inbox)
    context = {"offers": member_views.open_offers(offers, now=now, home=place, teams=teams), "visits": upcoming,
               "items": items, "unread": unread, "more": total > len(items), "done": DONE.get(done or ""),
               **texts()}  # fmt: skip
    return render(request, "member_home.html", context)


@router.post("/me/notifications/{item_id}/read", response_class=HTMLResponse)
async def mark_read(request: Request, item_id: str, person: MemberForm) -> Response:
    """Mark one notice read, then back to the inbox."""
    if not UUID_SHAPE.fullmatch(item_id):
        return problem_page(request, 404)
    await (await person.api("notify")).post(f"/v1/me/notifications/{item_id.lower()}/read")
    return redirect("/me?done=read#inbox")


async def offer_page(request: Request, offer_id: str, person: MemberPage, done: Done = None) -> Response:
    """The offer with its Accept button and Decline form; an offer answered or run out says so. Changes nothing."""
    for prefix, lang in ALIASES.items():
        if request.url.path.startswith(prefix):
            request.state.language_setting = lang
    return await _offer(request, person, offer_id, done=done)


for path in ("/offers/{offer_id}", "/tilbud/{offer_id}", "/tilbod/{offer_id}"):
    router.add_api_route(path, offer_page, methods=["GET"], response_class=HTMLResponse)


@router.post("/offers/{offer_id}/accept", response_class=HTMLResponse)
async def accept(request: Request, offer_id: str, person: MemberForm) -> Response:
    """Say yes; an offer that can no longer be answered is shown as it is, with a word on why."""
    if not UUID_SHAPE.fullmatch(offer_id):
        return problem_page(request, 404)
    return await _answer(person, offer_id.lower(), "accept", None)


@router.post("/offers/{offer_id}/decline", response_class=HTMLResponse)
async def decline(request: Request, offer_id: str, person: MemberForm) -> Response:
    """Say no, with a reason if the member gives one."""
    if not UUID_SHAPE.fullmatch(offer_id):
        return problem_page(request, 404)
    raw = str((await request.form()).get("reason") or "")
    reason = member_forms.text(raw, required=False, limit=member_forms.MAX_REASON)
    if reason.problem:
        return await _offer(request, person, offer_id, errors={"reason": reason.problem}, reason=raw)
    try:
        return await _answer(person, offer_id.lower(), "decline", reason.value)
    except Refused as exc:
        if exc.status != 422:
            raise
        return await _offer(request, person, offer_id, errors=field_problems(exc, "reason"), reason=raw)


async def _answer(person: Acting, offer_id: str, verb: str, reason: Any) -> Response:
    body = {"reason": reason} if verb == "decline" else None
    try:
        await (await person.api("ambassadors")).post(f"/v1/offers/{offer_id}/{verb}", body)
    except Refused as exc:
        if exc.status != 409:  # answered otherwise already, or run out: the page shows how it stands
            raise
        return redirect(f"/offers/{offer_id}?done=late")
    return redirect(f"/offers/{offer_id}?done={'accepted' if verb == 'accept' else 'declined'}")


async def _offer(request: Request, person: Acting, offer_id: str, *, done: str | None = None,
                 errors: dict[str, str] | None = None, reason: str = "") -> Response:  # fmt: skip
    if not UUID_SHAPE.fullmatch(offer_id):
        return problem_page(request, 404)
    ambassadors = await person.api("ambassadors")
    me, offers, visits = await asyncio.gather(
        ambassadors.get("/v1/me"), ambassadors.get("/v1/me/offers"), ambassadors.get("/v1/me/visits")
    )
    offer = next((o for o in offers if o["id"] == offer_id.lower()), None)
    if offer is None:  # someone else's, or no such offer
        return problem_page(request, 404)
    team = member_views.teams(visits, me=member_views.myself(me)).get(offer["visit_id"], ())
    view = member_views.offer_view(offer, now=person.clock.now(), home=me.get("kommunenummer"), team=team)
    lang, shown = explained(request, errors)
    context = {"offer": view, "done": DONE.get(done or ""), "errors": shown, "reason": reason, **texts()}
    return render(request, "member_offer.html", context, status_code=422 if errors else 200, lang=lang)
