"""The kit's tabular export: CSV with BOM and XLSX, both guarded against formula injection."""

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from outreach_shared.exports import to_csv, to_xlsx

HEADERS = ("name", "count", "when", "flag")
DANGEROUS = ["=1+1", "+47 412 34 567", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_csv_has_a_bom_a_header_and_neutralised_formulas() -> None:
    body = to_csv(HEADERS, [(d, 1, date(2027, 3, 1), True) for d in DANGEROUS] + [("Ærlig Øst", None, None, False)])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(HEADERS)
    assert [r[0] for r in rows[1:-1]] == ["'" + d for d in DANGEROUS]
    assert rows[1][1:] == ["1", "2027-03-01", "yes"] and rows[-1] == ["Ærlig Øst", "", "", "no"]


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_xlsx_writes_text_as_strings_never_formulas(dangerous: str) -> None:
    when = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(HEADERS, [(dangerous, 3, when, True)]))).active
    assert [c.value for c in sheet[1]] == list(HEADERS)
    name, count, at, flag = sheet[2]
    assert name.data_type == "s"
    assert name.value == dangerous.replace("\r", "\n")  # XML keeps no bare CR: it reads back as a line feed
    assert (count.value, at.value, flag.value) == (3, "2027-03-01 09:30:00", "yes")
