"""The portal's texts as the catalogues must hold them: every `_()`, `ngettext()` and `N_()` in the templates and
the Python code, extracted with Babel. `python tests/catalogues.py` adds what is missing to each `.po` (untranslated,
for a person to fill in); the unit tests fail while any text has no translation."""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

PORTAL = Path(__file__).parents[1] / "src" / "portal"
LOCALE = PORTAL / "locale"
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


def read(lang: str) -> Catalog:
    """The catalogue of `lang` as committed."""
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def update() -> None:
    """Add every extracted text missing from a catalogue (obsolete ones are dropped)."""
    template = extracted()
    for lang in ("nb", "nn", "en"):
        path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        catalog = read(lang) if path.exists() else Catalog(locale=lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, omit_header=False, width=120, no_location=True, sort_output=True)


if __name__ == "__main__":
    update()
