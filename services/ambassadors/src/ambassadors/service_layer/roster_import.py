"""Importing a roster spreadsheet: validate every row first, then create or update members by e-mail."""

from dataclasses import dataclass, field

from pydantic import ValidationError

from ambassadors.domain.members import MemberFields
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


@dataclass
class ImportReport:
    """What the import did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


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
                report.created.append((await register_member(uow, fields, region=region)).id)
                continue
            changes = fields.model_dump(include=filled)
            if merge_fields(current.fields, changes) == current.fields:
                report.unchanged.append(current.id)
            else:
                report.updated.append((await update_member(uow, current.id, changes, region=region)).id)
        except Invalid as exc:  # a rule that needs the clock (a day off beyond the horizon): the row is bad
            raise RosterRejected([RowProblem(line, exc.detail)]) from None
    return report


def decode_csv(raw: bytes) -> str:
    """The file's text (UTF-8, with or without BOM); 422 for another encoding."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8: in Excel, save it as 'CSV UTF-8 (comma delimited)'") from None
