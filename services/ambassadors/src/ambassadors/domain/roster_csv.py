"""Reading an organiser's roster spreadsheet (CSV): header names and values as organisers write them."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("navn", "name", "fulltnavn", "fullname", "fornavnogetternavn"),
    "profession": ("yrke", "profession", "stilling", "yrkesgruppe", "occupation"),
    "kommunenummer": ("kommunenummer", "kommunenr", "kommunenumber", "municipalitynumber", "knr", "kommune"),
    "email": ("epost", "email", "mail", "epostadresse", "emailaddress"),
    "phone": ("telefon", "mobil", "phone", "mobile", "tlf", "telefonnummer", "mobilnummer", "phonenumber"),
    "languages": ("språk", "sprak", "languages", "language", "sprog"),
    "employer": ("arbeidsgiver", "employer", "arbeidssted"),
    "max_visits_per_month": (
        "maksbesøkpermåned",
        "maksbesokpermaned",
        "maksbesøkmåned",
        "maksbesøk",
        "besøkpermåned",
        "maxvisitspermonth",
        "maxvisits",
    ),
    "travel_radius_km": ("reiseradius", "reiseradiuskm", "travelradius", "travelradiuskm", "radiuskm", "radius"),
    "weekdays": ("ukedager", "dager", "tilgjengeligedager", "weekdays", "days", "availabledays"),
    "unavailable_dates": (
        "utilgjengelig",
        "ikketilgjengelig",
        "utilgjengeligedatoer",
        "opptatt",
        "fravær",
        "unavailabledates",
        "unavailable",
        "blackoutdates",
    ),
}
REQUIRED = ("name", "profession", "kommunenummer", "email", "phone", "languages")
PROFESSIONS = {
    "sykepleier": "nurse",
    "nurse": "nurse",
    "ambassadør": "nurse",
    "ambassador": "nurse",
    "helsefagarbeider": "health_worker",
    "healthworker": "health_worker",
    "helsearbeider": "health_worker",
    "patrulje": "health_worker",
    "rekrutteringspatrulje": "health_worker",
}
LANGUAGES = {
    "nb": "nb",
    "no": "nb",
    "bokmål": "nb",
    "bokmal": "nb",
    "norsk": "nb",
    "norwegian": "nb",
    "nn": "nn",
    "nynorsk": "nn",
    "en": "en",
    "engelsk": "en",
    "english": "en",
}
DAYS = {
    name: i + 1
    for names in (
        ("man", "tir", "ons", "tor", "fre", "lør", "søn"),
        ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    )
    for i, name in enumerate(names)
} | {str(i): i for i in range(1, 8)}
_HEADER_INDEX = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
_SPLIT = re.compile(r"[,;/|\s]+")


class RowError(ValueError):
    """A value in a row that cannot be read."""


@dataclass
class ParsedRoster:
    """Rows with canonical keys (by line number) and the problems found while reading."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def normalise_header(raw: str) -> str:
    """Lower-case letters and digits only (so 'E-post', 'e post' and 'EPOST' are one name)."""
    text = unicodedata.normalize("NFC", raw.strip().lstrip("\ufeff").lower())
    return "".join(ch for ch in text if ch.isalnum())


def canonical_header(raw: str) -> str | None:
    """The field a column header names, or None for a column we do not use."""
    return _HEADER_INDEX.get(normalise_header(raw))


def parse_profession(value: str) -> str:
    """sykepleier/nurse → nurse, helsefagarbeider/health worker → health_worker."""
    key = normalise_header(value)
    if key not in PROFESSIONS:
        raise RowError(f"unknown profession {value!r}: use sykepleier (nurse) or helsefagarbeider (health worker)")
    return PROFESSIONS[key]


def parse_languages(value: str) -> list[str]:
    """'nb, en' or 'bokmål/engelsk' → ['nb', 'en']."""
    words = [w for w in _SPLIT.split(value.strip().lower()) if w]
    unknown = [w for w in words if w not in LANGUAGES]
    if unknown or not words:
        raise RowError(f"unknown language {', '.join(unknown) or '(empty)'!s}: use nb, nn or en")
    return [LANGUAGES[w] for w in words]


def parse_weekdays(value: str) -> list[int]:
    """'man-fre', 'mon, wed' or '1,3,5' → ISO weekdays."""
    days: list[int] = []
    for part in _SPLIT.split(re.sub(r"\s*-\s*", "-", value.strip().lower())):
        if not part:
            continue
        ends = [p.strip().rstrip(".") for p in part.split("-")]
        if any(e not in DAYS for e in ends) or len(ends) > 2:
            raise RowError(f"unknown weekday {part!r}: use e.g. man-fre, mon,wed or 1,3")
        first, last = DAYS[ends[0]], DAYS[ends[-1]]
        days.extend(range(first, last + 1) if first <= last else [*range(first, 8), *range(1, last + 1)])
    return days


def parse_dates(value: str) -> list[date]:
    """'2026-05-17, 24.12.2026' → dates."""
    result = []
    for word in (w for w in _SPLIT.split(value.strip()) if w):
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                result.append(datetime.strptime(word, fmt).date())
                break
            except ValueError:
                continue
        else:
            raise RowError(f"unknown date {word!r}: use YYYY-MM-DD or DD.MM.YYYY")
    return result


_VALUE_PARSERS = {
    "profession": parse_profession,
    "languages": parse_languages,
    "weekdays": parse_weekdays,
    "unavailable_dates": parse_dates,
}


def _read_row(raw: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    problems = []
    for key, value in raw.items():
        if not value.strip():
            continue
        try:
            row[key] = _VALUE_PARSERS[key](value) if key in _VALUE_PARSERS else value.strip()
        except RowError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        raise RowError("; ".join(problems))
    return row


def parse_roster(text: str) -> ParsedRoster:
    """Read a roster CSV (`;` or `,`, optional BOM); every problem comes back with its line number."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    result = ParsedRoster()
    try:
        _read_rows(reader, result)
    except csv.Error as exc:  # e.g. a cell over the csv module's size limit: a bad file, not a server error
        result.errors.append((max(reader.line_num, 1), f"not readable as CSV: {exc}"))
    return result


def _read_rows(reader: Any, result: ParsedRoster) -> None:
    header = next(reader, None)
    if header is None:
        result.errors.append((1, "the file is empty"))
        return
    columns = [canonical_header(h) for h in header]
    missing = [k for k in REQUIRED if k not in columns]
    if missing:
        known = ", ".join(h for h in header if h.strip())
        result.errors.append((1, f"missing column(s) {', '.join(missing)} (found: {known})"))
        return
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        raw = {col: cell for col, cell in zip(columns, cells, strict=False) if col is not None}
        try:
            result.rows.append((line, _read_row(raw)))
        except RowError as exc:
            result.errors.append((line, str(exc)))
