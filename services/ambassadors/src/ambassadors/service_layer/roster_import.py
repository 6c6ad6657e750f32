"""Importing a roster spreadsheet: validate every row first, then create or update members by e-mail."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from ambassadors.domain.members import Member, MemberFields
from ambassadors.domain.roster_csv import parse_roster
from ambassadors.service_layer.members import merge_fields, register_member, resolve_kommunenummer, update_member
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.consumer import describe_validation_error
from outreach_shared.errors import DomainError, Invalid
from outreach_shared.regions import NATIONAL, Region


@dataclass(frozen=True)
class RowProblem:
    """Why one line of the file was refused."""

    line: int
    reason: str


class RosterRejected(Invalid):
    """The file has bad rows; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        lines = ", ".join(str(p.line) for p in problems)
        super().__init__(f"{len(problems)} bad row(s) (line {lines}); nothing was imported")
        self.problems = problems


@dataclass(frozen=True)
class RowOutcome:
    """What the import did with one line: the member it created, changed (which fields) or left as it was."""

    line: int
    member_id: str
    email: str
    name: str
    action: Literal["created", "updated", "unchanged"]
    changed: tuple[str, ...] = ()


@dataclass
class ImportReport:
    """What the import did, by member and by line."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    def record(self, line: int, member: Member, action: Literal["created", "updated", "unchanged"],
               changed: tuple[str, ...] = ()) -> None:  # fmt: skip
        """Note what happened to one line's member."""
        {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}[action].append(member.id)
        self.rows.append(RowOutcome(line, member.id, member.fields.email, member.fields.name, action, changed))


class Previewed(Exception):  # noqa: N818 (not an error: it carries the report out of the rolled-back transaction)
    """Raised to roll back an import tried only to see what it would do."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("previewed")
        self.report = report


def validate_roster(text: str, *, region: Region = NATIONAL) -> list[tuple[int, MemberFields, set[str]]]:
    """Every row as validated fields (with the columns it filled), or RosterRejected listing each bad row (a member
    placed outside the organiser's region is a bad row)."""
    parsed = parse_roster(text)
    problems = [RowProblem(line, reason) for line, reason in parsed.errors]
    valid: list[tuple[int, MemberFields, set[str]]] = []
    first_line_of: dict[str, int] = {}
    for line, row in parsed.rows:
        try:
            if "kommunenummer" in row:
                row["kommunenummer"] = resolve_kommunenummer(row["kommunenummer"])
            fields = MemberFields.model_validate(row)
        except ValidationError as exc:
            problems.append(RowProblem(line, describe_validation_error(exc)))
            continue
        except DomainError as exc:
            problems.append(RowProblem(line, exc.detail))
            continue
        if not region.covers(fields.kommunenummer):
            problems.append(RowProblem(line, f"kommunenummer {fields.kommunenummer} is outside this organiser's "
                                             f"region ({region.describe()})"))  # fmt: skip
            continue
        if fields.email in first_line_of:
            problems.append(RowProblem(line, f"e-mail {fields.email} is also on line {first_line_of[fields.email]}"))
            continue
        first_line_of[fields.email] = line
        valid.append((line, fields, set(row)))
    if problems:
        raise RosterRejected(sorted(problems, key=lambda p: p.line))
    return valid


async def import_roster(uow: AmbassadorsUnit, text: str, *, region: Region = NATIONAL) -> ImportReport:
    """Import a roster CSV (UTF-8 text): all or nothing; members are matched by e-mail, within the region."""
    rows = validate_roster(text, region=region)
    existing = await uow.members.get_by_emails([f.email for _, f, _ in rows])
    report = ImportReport()
    for line, fields, filled in rows:
        try:
            current = existing.get(fields.email)
            if current is not None and not region.covers(current.fields.kommunenummer):
                raise RosterRejected([RowProblem(line, f"e-mail {fields.email} belongs to a member outside this "
                                                       f"organiser's region")])  # fmt: skip
            if current is None:
                report.record(line, await register_member(uow, fields, region=region), "created")
                continue
            changes = fields.model_dump(include=filled)
            merged = merge_fields(current.fields, changes)
            changed = tuple(name for name in filled if getattr(merged, name) != getattr(current.fields, name))
            if not changed:
                report.record(line, current, "unchanged")
            else:
                report.record(line, await update_member(uow, current.id, changes, region=region), "updated", changed)
        except Invalid as exc:  # a rule that needs the clock (a day off beyond the horizon): the row is bad
            raise RosterRejected([RowProblem(line, exc.detail)]) from None
    return report


async def preview_roster(begin: Callable[[], AbstractAsyncContextManager[AmbassadorsUnit]], text: str, *,
                         region: Region = NATIONAL) -> ImportReport:  # fmt: skip
    """What importing the file would do, row by row, with nothing written: the import runs in a transaction that is
    rolled back (so every rule the import applies, the clock's and the database's too, is judged the same way)."""
    try:
        async with begin() as uow:
            raise Previewed(await import_roster(uow, text, region=region))
    except Previewed as preview:
        return preview.report


def decode_csv(raw: bytes) -> str:
    """The file's text (UTF-8, with or without BOM); 422 for another encoding."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8: in Excel, save it as 'CSV UTF-8 (comma delimited)'") from None
