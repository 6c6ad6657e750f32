"""The participant CSV: one line per participant, formulas neutralised."""

import csv
import io

from training_factories import NOW

from training.domain.registration import Needs, Registration, RegistrationStatus
from training.entrypoints.csv_export import COLUMNS, participants_csv


def test_writes_a_header_and_one_row_per_participant_with_needs() -> None:
    r = Registration(
        id="r",
        gathering_id="g",
        member_id="m-1",
        status=RegistrationStatus.CONFIRMED,
        needs=Needs("vegan, no nuts", "=HYPERLINK(1)", True),
        registered_at=NOW,
    )
    body = participants_csv([r])
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    assert rows[1][:6] == ["m-1", "confirmed", "", "vegan, no nuts", "'=HYPERLINK(1)", "yes"]
