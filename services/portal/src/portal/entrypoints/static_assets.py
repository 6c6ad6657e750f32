"""The browser assets, served by the portal itself (no CDN): Designsystemet, htmx and Inter from npm (installed in
`services/portal/web/node_modules` by `make install`), and the portal's own few files in `portal/static/`.

Only the files named in ASSETS are served. Their URLs carry a version (a hash of the npm lockfile and the portal's
own files) so that browsers may keep them a year: `/static/<version>/<name>`.
"""

import hashlib
from functools import cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse

from outreach_shared.errors import NotFound
from portal.entrypoints.security_headers import page_router, secure
from portal.settings import get_settings

WEB_DIR = Path(get_settings().web_dir or Path(__file__).parents[3] / "web")
"""`services/portal/web` in the workspace; an image sets PORTAL_WEB_DIR to where it put `npm ci`'s result."""
OWN_DIR = Path(__file__).parents[1] / "static"
FONT_FILES = [f"files/inter-{subset}-{weight}-normal.woff2" for subset in ("latin", "latin-ext")
              for weight in (400, 500, 600)]  # fmt: skip
ASSETS: dict[str, Path] = {
    "designsystemet.css": WEB_DIR / "node_modules/@digdir/designsystemet-css/dist/src/index.css",
    "theme.css": WEB_DIR / "node_modules/@digdir/designsystemet-css/dist/theme/designsystemet.css",
    "designsystemet-web.js": WEB_DIR / "node_modules/@digdir/designsystemet-web/dist/umd/index.js",
    "htmx.min.js": WEB_DIR / "node_modules/htmx.org/dist/htmx.min.js",
    **{name: WEB_DIR / "node_modules/@fontsource/inter" / name for name in FONT_FILES},
    "fonts.css": OWN_DIR / "fonts.css",
    "portal.css": OWN_DIR / "portal.css",
    "portal.js": OWN_DIR / "portal.js",
    "jsQR.js": WEB_DIR / "node_modules/jsqr/dist/jsQR.js",
    "organiser_check_in.js": OWN_DIR / "organiser_check_in.js",
}
YEAR = "public, max-age=31536000, immutable"

router = page_router()


@cache
def version() -> str:
    """What the asset URLs carry: changes whenever the npm lockfile or one of the portal's own files does."""
    digest = hashlib.sha256((WEB_DIR / "package-lock.json").read_bytes())
    for path in sorted(OWN_DIR.iterdir()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of an asset, for templates: `{{ asset('portal.css') }}`."""
    if name not in ASSETS:
        raise KeyError(f"not a served asset: {name}")
    return f"/static/{version()}/{name}"


@router.get("/static/{tag}/{name:path}")
async def static_asset(tag: str, name: str, request: Request) -> FileResponse:
    """One asset; kept a year by browsers when asked for under the current version, else revalidated."""
    path = ASSETS.get(name)
    if path is None or not path.is_file():
        raise NotFound("no such asset")
    cache_control = YEAR if tag == version() else "no-cache"
    return secure(FileResponse(path, headers={"Cache-Control": cache_control}))  # type: ignore[return-value]
