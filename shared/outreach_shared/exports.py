"""Tabular exports (CSV and XLSX) from headers and rows, guarded against formula injection.

CSV is UTF-8 with a byte-order mark (so Excel reads æøå right) and `,` as separator
(RFC 4180; for a double click in a Norwegian Excel, take the XLSX).
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 100_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BOM = "\ufeff"


def guarded(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _text(value: object) -> str:
    """Text for one CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file: BOM, one header line, one line per row, formulas neutralised."""
    out = io.StringIO()
    out.write(_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(guarded(_text(v)) for v in row)
    return out.getvalue().encode("utf-8")


def _xlsx_value(value: object) -> Any:
    """A value openpyxl writes as a number, date or plain string (never a formula)."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    return _text(value)


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str = "export") -> bytes:
    """An XLSX workbook written in write-only mode; text cells are strings, never formulas."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31])
    ws.append(list(headers))
    for row in rows:
        cells = []
        for v in row:
            cell = WriteOnlyCell(ws, value=_xlsx_value(v))
            if isinstance(cell.value, str) or cell.data_type == "f":
                cell.value = str(_xlsx_value(v))
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(fmt: str, name: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Response:
    """A download response (`csv` or `xlsx`) named `<name>.<fmt>`."""
    if fmt == "xlsx":
        body, media = to_xlsx(headers, rows, sheet=name), XLSX_MEDIA_TYPE
    else:
        body, media = to_csv(headers, rows), CSV_MEDIA_TYPE
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def downloads(router: APIRouter, path: str, what: str, description: str) -> Callable[[Any], Any]:
    """Register one route at `<path>.csv` and `<path>.xlsx`; the handler reads the format with `export_format`."""

    def register(handler: Any) -> Any:
        for fmt, media in (("csv", "text/csv"), ("xlsx", XLSX_MEDIA_TYPE)):
            router.add_api_route(
                f"{path}.{fmt}",
                handler,
                methods=["GET"],
                summary=f"{what} as {fmt.upper()}",
                response_class=Response,
                responses={200: {"description": description, "content": {media: {"schema": {"type": "string"}}}}},
            )
        return handler

    return register


def export_format(request: Request) -> str:
    """`csv` or `xlsx`, from the suffix of the path a download route was called at."""
    return "xlsx" if request.url.path.endswith(".xlsx") else "csv"
