"""The portal's texts as the catalogues must hold them: every `_()`, `ngettext()` and `N_()` in the templates and
the Python code, extracted with Babel.

Each language has several catalogue files (`locale/{lang}/LC_MESSAGES/*.po`): `messages.po` for what every page
shares and one per area of the app. `python tests/catalogues.py [AREA]` adds every text that no file of a language
holds yet to `AREA.po` (default `messages`), untranslated, for a person to fill in, and drops from every file the
texts no longer used. The unit tests fail while any text has no translation, or sits in two files.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

PORTAL = Path(__file__).parents[1] / "src" / "portal"
LOCALE = PORTAL / "locale"
LANGUAGES = ("nb", "nn", "en")
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]


def extracted() -> Catalog:
    """Every text the portal shows, from its templates and code."""
    catalog = Catalog()
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PORTAL, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ):
        catalog.add(message, locations=[(filename, lineno)])
    return catalog


def files(lang: str) -> dict[str, Catalog]:
    """The catalogue files of `lang` as committed, by area."""
    found = {}
    for path in sorted((LOCALE / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as po:
            found[path.stem] = read_po(po, locale=lang)
    return found


def read(lang: str) -> Catalog:
    """Every catalogue file of `lang` as one catalogue."""
    merged = Catalog(locale=lang)
    for catalog in files(lang).values():
        for message in catalog:
            if message.id:
                merged[message.id] = message
    return merged


def update(area: str = "messages") -> None:
    """Add each extracted text that no file holds to `area`'s file; drop texts no longer used from every file."""
    template = extracted()
    used = {m.id for m in template if m.id}
    for lang in LANGUAGES:
        catalogs = files(lang)
        held = {m.id for c in catalogs.values() for m in c if m.id}
        catalogs.setdefault(area, Catalog(locale=lang))
        for name, catalog in catalogs.items():
            for message in list(catalog):
                if message.id and message.id not in used:
                    del catalog[message.id]
            if name == area:
                for message in template:
                    if message.id and message.id not in held:
                        catalog.add(message.id)
            path = LOCALE / lang / "LC_MESSAGES" / f"{name}.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as po:
                write_po(po, catalog, omit_header=False, width=120, no_location=True, sort_output=True)


if __name__ == "__main__":
    update(*sys.argv[1:2])
