"""Reading organisers' roster spreadsheets."""

from datetime import date

import pytest

from ambassadors.domain.members import MemberFields
from ambassadors.domain.roster_csv import canonical_header, parse_roster, parse_weekdays
from ambassadors.service_layer.roster_import import RosterRejected, decode_csv, validate_roster

NORWEGIAN = (
    "\ufeffNavn;Yrke;Kommunenr;E-post;Mobil;Språk;Arbeidsgiver;Maks besøk per måned;Ukedager;Utilgjengelig\n"
    "Kari Nordmann;Sykepleier;5001;kari@example.no;912 34 567;nb, en;Trondheim kommune;3;man-ons;17.05.2026\n"
    "Ola Hansen;helsefagarbeider;301;ola@example.no;+47 41234567;nynorsk;;;;\n"
)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Navn", "name"),
        ("name", "name"),
        ("Yrke", "profession"),
        ("Kommunenummer", "kommunenummer"),
        ("kommunenr", "kommunenummer"),
        ("Kommune number", "kommunenummer"),
        ("E-post", "email"),
        ("epost", "email"),
        ("Email", "email"),
        ("Telefon", "phone"),
        ("mobil", "phone"),
        ("Språk", "languages"),
        ("Arbeidsgiver", "employer"),
        ("Maks besøk per måned", "max_visits_per_month"),
        ("Ukedager", "weekdays"),
    ],
)
def test_understands_norwegian_and_english_headers(header: str, field: str) -> None:
    assert canonical_header(header) == field


def test_reads_a_semicolon_file_with_bom_and_norwegian_values() -> None:
    rows = validate_roster(NORWEGIAN)
    kari, ola = (fields for _, fields, _ in rows)
    assert kari.profession == "nurse" and kari.languages == ["nb", "en"] and kari.phone == "+4791234567"
    assert kari.weekdays == [1, 2, 3] and kari.unavailable_dates == [date(2026, 5, 17)]
    assert kari.max_visits_per_month == 3 and kari.employer == "Trondheim kommune"
    assert ola.profession == "health_worker" and ola.kommunenummer == "0301" and ola.languages == ["nn"]
    assert ola.weekdays == [1, 2, 3, 4, 5]


def test_reads_a_comma_file_with_english_headers() -> None:
    text = (
        'name,profession,kommune number,email,phone,languages\n"Per Berg",nurse,5001,per@example.no,41234567,"nb, en"\n'
    )
    ((_, fields, filled),) = validate_roster(text)
    assert isinstance(fields, MemberFields) and fields.name == "Per Berg"
    assert filled == {"name", "profession", "kommunenummer", "email", "phone", "languages"}


def test_every_bad_row_is_reported_with_its_line_and_reason() -> None:
    text = NORWEGIAN + (
        "Bad Phone;sykepleier;5001;bad@example.no;123;nb;;;;\n"
        "Bad Kommune;sykepleier;9999;k@example.no;41234567;nb;;;;\n"
        "Bad Job;lege;5001;j@example.no;41234567;nb;;;;\n"
        "Dup;sykepleier;5001;KARI@example.no;41234567;nb;;;;\n"
    )
    with pytest.raises(RosterRejected) as caught:
        validate_roster(text)
    problems = {p.line: p.reason for p in caught.value.problems}
    assert sorted(problems) == [4, 5, 6, 7]
    assert "phone" in problems[4]
    assert "9999" in problems[5]
    assert "lege" in problems[6]
    assert "line 2" in problems[7]


def test_a_file_without_required_columns_is_refused() -> None:
    with pytest.raises(RosterRejected, match="line 1"):
        validate_roster("navn;e-post\nKari;kari@example.no\n")


def test_weekday_names_and_ranges() -> None:
    assert parse_weekdays("mandag, onsdag") == [1, 3]
    assert parse_weekdays("mon - fri") == [1, 2, 3, 4, 5]
    assert parse_weekdays("1,4") == [1, 4]


def test_blank_lines_are_skipped_and_line_numbers_stay_physical() -> None:
    parsed = parse_roster("navn,yrke,kommunenr,epost,tlf,språk\n\nKari,x,5001,k@e.no,41234567,nb\n")
    assert parsed.errors and parsed.errors[0][0] == 3


def test_non_utf8_files_are_refused_clearly() -> None:
    with pytest.raises(Exception, match="UTF-8"):
        decode_csv("Navn;Språk\n".encode("cp1252"))


def test_a_file_the_csv_reader_cannot_read_is_a_bad_row_not_a_crash() -> None:
    parsed = parse_roster("x" * 200_000)  # one cell over the csv module's field limit
    assert parsed.rows == [] and parsed.errors[0][1].startswith("not readable as CSV")
