"""The organisers' roster pages as pure view code: the filters as the page and ambassadors' API take them, the
import preview row by row, and a member's availability in words the page shows."""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

PAGE_SIZE = 50
MAX_SEARCH = 100
MAX_IMPORT_BYTES = 2_000_000
"""The largest roster file the page takes (about 15,000 members); ambassadors refuses what it cannot read."""
LANGUAGES = ("nb", "nn", "en")
PROFESSIONS = ("nurse", "health_worker")


@dataclass(frozen=True)
class RosterFilter:
    """What the organiser searches for: all strings as typed, empty for any."""

    q: str = ""
    kommunenummer: str = ""
    county: str = ""
    profession: str = ""
    language: str = ""
    trained: str = ""
    """`yes`: trained this year."""
    active: str = ""
    """`yes`, `no`, or any."""

    @classmethod
    def of(cls, raw: Mapping[str, str]) -> "RosterFilter":
        """From the query string, dropping values no list would accept (the page shows them as 'any')."""
        q = " ".join(raw.get("q", "").split())[:MAX_SEARCH]
        return cls(
            q=q,
            kommunenummer=raw.get("kommunenummer", "").strip(),
            county=raw.get("county", "").strip(),
            profession=raw.get("profession", "") if raw.get("profession") in PROFESSIONS else "",
            language=raw.get("language", "") if raw.get("language") in LANGUAGES else "",
            trained="yes" if raw.get("trained") == "yes" else "",
            active=raw.get("active", "") if raw.get("active") in ("yes", "no") else "",
        )

    def api_params(self, *, this_year: int) -> dict[str, str]:
        """The filters as ambassadors' `GET /v1/members` (and its downloads) take them."""
        params = {"q": self.q, "kommunenummer": self.kommunenummer, "fylke": self.county,
                  "profession": self.profession, "language": self.language}  # fmt: skip
        found = {k: v for k, v in params.items() if v}
        if self.trained:
            found["trained_year"] = str(this_year)
        if self.active:
            found["active"] = "true" if self.active == "yes" else "false"
        return found

    def query(self, **more: str | None) -> str:
        """The page's own query string for these filters (and more, e.g. `after`), empty values left out."""
        return urlencode({k: v for k, v in {**asdict(self), **more}.items() if v})


def page_of(members: Sequence[Mapping[str, Any]], size: int = PAGE_SIZE) -> tuple[list[Mapping[str, Any]], str | None]:
    """The members to show (asked one more than shown) and the keyset of the next page (the last one shown)."""
    shown = list(members[:size])
    return shown, (str(shown[-1]["id"]) if len(members) > size and shown else None)


Action = Literal["created", "updated", "unchanged", "refused"]


@dataclass(frozen=True)
class PreviewRow:
    """One line of the file and what the import would do with it."""

    line: int
    action: Action
    name: str = ""
    email: str = ""
    detail: str = ""
    """The fields an update changes, or why the line is refused."""


@dataclass(frozen=True)
class Preview:
    """The whole file: every line, and whether it can be imported (all or nothing)."""

    rows: list[PreviewRow]

    @property
    def refused(self) -> int:
        """Lines refused (any one stops the whole import)."""
        return sum(1 for r in self.rows if r.action == "refused")

    def count(self, action: Action) -> int:
        """Lines with that outcome."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def importable(self) -> bool:
        """Nothing refused and something to do."""
        return not self.refused and any(r.action != "unchanged" for r in self.rows)


def preview_of(dry_run: Mapping[str, Any], field_names: Mapping[str, str]) -> Preview:
    """A dry run's answer as the page's rows, by line; changed fields in the page's words."""
    rows = [
        PreviewRow(line=r["line"], action=r["action"], name=r["name"], email=r["email"],
                   detail=", ".join(field_names.get(f, f) for f in r.get("changed", [])))
        for r in dry_run.get("rows", [])
    ]  # fmt: skip
    return Preview(sorted(rows, key=lambda r: r.line))


def refusal_of(errors: Sequence[Mapping[str, Any]]) -> Preview:
    """A refused file's problems as the page's rows, by line."""
    rows = [PreviewRow(line=int(e.get("line") or 0), action="refused", detail=str(e.get("reason", ""))) for e in errors]
    return Preview(sorted(rows, key=lambda r: r.line))


def away_ranges(member: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """The member's ranges away that have not ended, soonest first, as dates."""
    ranges = []
    for away in member.get("unavailable") or []:
        start, end = date.fromisoformat(away["from"]), date.fromisoformat(away["to"])
        if end >= today:
            ranges.append({"from": start, "to": end, "note": away.get("note") or ""})
    return sorted(ranges, key=lambda r: r["from"])


def days_off(member: Mapping[str, Any], today: date) -> list[date]:
    """Single days off still ahead, soonest first."""
    return sorted(d for d in (date.fromisoformat(x) for x in member.get("unavailable_dates") or []) if d >= today)


def visit_rows(visits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A member's visits as the page lists them: id, kind, school, when, the visit's and the seat's status."""
    return [
        {"id": v["visit_id"], "kind": v["kind"], "school": v["school"]["name"], "kommune": v["school"]["kommune"],
         "start": datetime.fromisoformat(v["window"]["start"]), "status": v["status"], "seat": v["seat"]["status"]}
        for v in visits
    ]  # fmt: skip


def gathering_rows(gatherings: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A member's gatherings as the page lists them, newest first."""
    return [{**g, "starts_at": datetime.fromisoformat(g["starts_at"])} for g in gatherings]
