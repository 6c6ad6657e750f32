"""Languages of the pages: nb (default), nn and en; their message catalogues, the choice per request, and dates.

The catalogues are `locale/{lang}/LC_MESSAGES/*.po`: `messages.po` for what every page shares, and one file per
area of the app (`members.po`, `schools.po`, ...), so each area's texts are kept beside each other. They are read,
merged and compiled in memory when first used (no `.mo` files to build or to drift from their `.po`). Message ids
are English; the English catalogue only fills gaps.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal, cast
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Lang = Literal["nb", "nn", "en"]
LANGUAGES: tuple[Lang, ...] = ("nb", "nn", "en")
DEFAULT: Lang = "nb"
NAMES: dict[Lang, str] = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
"""Each language in itself, as the switcher shows it."""
OSLO = ZoneInfo("Europe/Oslo")
LOCALE_DIR = Path(__file__).parent / "locale"
WHEN_PATTERNS: dict[Lang, str] = {
    "nb": "EEEE d. MMMM y 'kl.' HH:mm",
    "nn": "EEEE d. MMMM y 'kl.' HH:mm",
    "en": "EEEE d MMMM y 'at' HH:mm",
}
"""'torsdag 4. mars 2027 kl. 09:00'; 'Thursday 4 March 2027 at 09:00'."""

_current: ContextVar[Lang] = ContextVar("portal_language", default=DEFAULT)


def known(value: str | None) -> Lang | None:
    """`value` if it names one of the languages (any case, 'no'/'nob' as nb, 'nno' as nn), else None."""
    aliases = {"no": "nb", "nob": "nb", "nno": "nn", "eng": "en"}
    tag = (value or "").strip().lower().replace("_", "-").split("-")[0]
    tag = aliases.get(tag, tag)
    return cast(Lang, tag) if tag in LANGUAGES else None


def from_accept_language(header: str | None) -> Lang | None:
    """The language the browser prefers most among ours (RFC 9110 weights; order breaks ties), or None."""
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((header or "")[:1000].split(",")[:50]):
        tag, _, params = part.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        lang = known(tag)
        if lang and weight > 0:
            ranked.append((-weight, position, lang))
    return min(ranked)[2] if ranked else None


def choose(*, asked: str | None, cookie: str | None, setting: str | None, accept_language: str | None) -> Lang:
    """The page's language: asked for (`?lang=`, the switcher), then the cookie it left, then the person's setting,
    then the browser's Accept-Language, then nb."""
    for candidate in (known(asked), known(cookie), known(setting), from_accept_language(accept_language)):
        if candidate:
            return candidate
    return DEFAULT


@cache
def translations(lang: Lang) -> Translations:
    """The compiled catalogue of `lang`: every `.po` file of the language, merged."""
    catalog = Catalog(locale=lang)
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po:
            for message in read_po(po, locale=lang):
                if message.id:
                    catalog[message.id] = message
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@contextmanager
def speaking(lang: Lang) -> Iterator[None]:
    """Texts and dates in `lang` while the block runs (a page is rendered inside one)."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Lang:
    """The language being rendered."""
    return _current.get()


def N_(message: str) -> str:
    """`message` as it is: marks a text kept in Python for the catalogues (translated where it is shown)."""
    return message


def gettext(message: str) -> str:
    """`message` in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def when(moment: datetime, lang: Lang | None = None) -> str:
    """An instant as people here write it, in Oslo's time: 'torsdag 4. mars 2027 kl. 09:00'."""
    lang = lang or current()
    return format_datetime(moment, WHEN_PATTERNS[lang], tzinfo=OSLO, locale=lang)


def day(moment: date, lang: Lang | None = None) -> str:
    """A date as people here write it: '4. mars 2027'; '4 March 2027'."""
    lang = lang or current()
    return format_date(moment, "d. MMMM y" if lang != "en" else "d MMMM y", locale=lang)
