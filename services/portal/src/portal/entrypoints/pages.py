"""Server-rendered pages: one Jinja2 environment (autoescaped, with gettext for the texts), one `render`.

Templates live in `portal/templates/`, extend `base.html` and fill its blocks `title` and `content`; texts are
written `{{ _("Sign in") }}` so the message catalogues can translate them (nb default, nn, en: `portal/locale`).
Each page is rendered in the language `page_language` chooses for the request; dates are written with the filter
`when` ('torsdag 4. mars 2027 kl. 09:00'); assets are linked with `asset('name')`.
"""

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from portal import i18n
from portal.entrypoints.security_headers import secure
from portal.entrypoints.static_assets import asset_url
from portal.i18n import N_

TEMPLATES_DIR = Path(__file__).parent.parent / "templates"
LANGUAGE_COOKIE = "lang"
"""Where the switcher's choice is kept (a year); it names a language and nothing else."""
environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True), extensions=["jinja2.ext.i18n"]
)
environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
environment.filters["when"] = i18n.when
environment.filters["day"] = i18n.day
environment.globals["asset"] = asset_url
templates = Jinja2Templates(env=environment)


@pass_context
def csrf_field(context: Context) -> Markup:
    """`{{ csrf_field() }}` in a form that posts: the hidden CSRF token of this request's session (or of the
    pre-session cookie), set on `request.state.csrf_token` by the page's dependency."""
    token = getattr(context["request"].state, "csrf_token", "")
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


environment.globals["csrf_field"] = csrf_field


def page_language(request: Request) -> i18n.Lang:
    """The request's language: `?lang=` (the switcher), its cookie, the signed-in person's setting (put in
    `request.state.language_setting` by whoever knows the person), the browser's Accept-Language, nb."""
    return i18n.choose(
        asked=request.query_params.get("lang"),
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        setting=getattr(request.state, "language_setting", None),
        accept_language=request.headers.get("accept-language"),
    )


def switcher(request: Request, lang: i18n.Lang) -> list[dict[str, Any]]:
    """The language switcher's links: this page in each language."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return [{"lang": other, "name": i18n.NAMES[other], "current": other == lang,
             "href": f"{request.url.path}?{urlencode([*kept, ('lang', other)])}"}
            for other in i18n.LANGUAGES]  # fmt: skip


NAVIGATION: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "member": (("/me", N_("Home"), ("/me", "/offers", "/tilbud", "/tilbod")),
               ("/me/visits", N_("My visits"), ("/me/visits",)),
               ("/gatherings", N_("Gatherings"), ("/gatherings", "/samlinger", "/samlingar")),
               ("/me/availability", N_("Availability"), ("/me/availability",)),
               ("/settings/notifications", N_("Settings"), ("/settings", "/me/profile", "/innstillinger",
                                                              "/innstillingar"))),
    "school": (("/school", N_("Our visits"), ("/school", "/visits", "/besok")),
               ("/school/book", N_("Book a visit"), ("/school/book",)),
               ("/school/systems", N_("Our systems"), ("/school/systems",))),
    "organiser": (("/organiser", N_("Board"), ("/organiser", "/organiser/visits")),
                  ("/organiser/members", N_("Roster"), ("/organiser/members",)),
                  ("/organiser/gatherings", N_("Gatherings"), ("/organiser/gatherings",)),
                  ("/organiser/impact", N_("Impact"), ("/organiser/impact",)),
                  ("/organiser/operations", N_("Operations"), ("/organiser/operations",))),
}  # fmt: skip
"""The app's main menu by role: (path, text, the paths of its part of the app). The entry whose part holds the
page (the longest such path) is marked as the current one."""
NATIONAL_ONLY = frozenset({"/organiser/operations"})
"""Menu entries a regional organiser does not see (the page refuses them)."""


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def navigation(request: Request) -> list[dict[str, Any]]:
    """The menu of the signed-in person's role, the entry this page belongs to marked; empty before sign-in."""
    session = getattr(request.state, "session", None)
    account = getattr(session, "account", None)
    if account is None:
        return []
    entries = NAVIGATION.get(account.role, ())
    if account.role == "organiser" and not account.region.national:  # operations are national
        entries = tuple(e for e in entries if e[0] not in NATIONAL_ONLY)
    path = request.url.path
    matches = [(len(prefix), href) for href, _, prefixes in entries for prefix in prefixes if _under(path, prefix)]
    current = max(matches)[1] if matches else None
    return [{"href": href, "text": i18n.gettext(text), "current": href == current} for href, text, _ in entries]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    lang: i18n.Lang | None = None,
    remember: bool = True,
) -> HTMLResponse:
    """The page `name` rendered for this request, in `lang` or the request's language; a language asked for with
    `?lang=` is remembered in a cookie unless `remember` is False (pages whose links carry it anyway)."""
    lang = lang or page_language(request)
    with i18n.speaking(lang):
        response = templates.TemplateResponse(
            request, name, {"lang": lang, "languages": switcher(request, lang), "navigation": navigation(request),
                            **(context or {})},
            status_code=status_code,
        )  # fmt: skip
    asked = i18n.known(request.query_params.get("lang"))
    if remember and asked and asked == lang and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE,
            asked,
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    response.headers["Vary"] = "Accept-Language, Cookie"
    return secure(response)  # type: ignore[return-value]
