"""Adding up the impact figures."""

from dataclasses import replace
from datetime import UTC, datetime

from booking.domain.stats import ADDITIVE, Counts, StatsRow, tally


def row(knr: str, county: str, when: datetime, status: str, confirmed: bool, pupils: int | None) -> StatsRow:
    names = {"0301": ("Oslo", "03", "Oslo"), "4601": ("Bergen", "46", "Vestland"), "4602": ("Kinn", "46", "Vestland")}
    name, county_number, county_name = names[knr]
    return StatsRow(knr, name, county_number, county_name, when, status, confirmed, pupils)  # type: ignore[arg-type]


ROWS = [
    row("0301", "03", datetime(2026, 9, 1, 8, tzinfo=UTC), "completed", True, 40),
    row("0301", "03", datetime(2026, 10, 1, 8, tzinfo=UTC), "cancelled", True, None),
    row("4601", "46", datetime(2027, 2, 1, 8, tzinfo=UTC), "unfulfilled", False, None),
    row("4602", "46", datetime(2027, 8, 2, 8, tzinfo=UTC), "completed", True, 25),
    row("4601", "46", datetime(2027, 7, 31, 22, 30, tzinfo=UTC), "requested", False, None),  # 1 Aug in Oslo
]


def test_totals_count_each_visit_once() -> None:
    stats = tally(ROWS)
    assert stats.total == Counts(requested=5, confirmed=3, unfulfilled=1, cancelled=1, completed=2, pupils_reached=65)


def test_every_grouping_adds_up_to_the_totals() -> None:
    stats = tally(ROWS)
    for groups in (stats.by_municipality, stats.by_county, stats.by_school_year, stats.by_profession, stats.by_kind,
                   stats.by_month):
        summed = Counts()
        for counts in groups.values():
            for name in (*ADDITIVE, "rating_total"):
                setattr(summed, name, getattr(summed, name) + getattr(counts, name))
        assert summed == stats.total


def test_groups_by_municipality_county_and_school_year_in_oslo_time() -> None:
    stats = tally(ROWS)
    assert stats.by_municipality[("0301", "Oslo")].pupils_reached == 40
    assert stats.by_county[("46", "Vestland")] == Counts(
        requested=3, confirmed=1, unfulfilled=1, completed=1, pupils_reached=25
    )
    assert stats.by_school_year["2026/27"].requested == 3
    assert stats.by_school_year["2027/28"].requested == 2


def test_ratings_are_counted_and_averaged_per_group_and_visits_without_one_are_left_out() -> None:
    rated = [replace(ROWS[0], rating=5), replace(ROWS[3], rating=2), replace(ROWS[1], rating=4), *ROWS[2:3]]
    stats = tally(rated)
    assert (stats.total.ratings, stats.total.rating_average) == (3, 3.67)
    oslo = stats.by_municipality[("0301", "Oslo")]
    assert (oslo.ratings, oslo.rating_average) == (2, 4.5)
    assert tally(ROWS).total.rating_average is None and tally(ROWS).total.ratings == 0


RICH = [
    replace(ROWS[0], orgnr="A", kind="class_visit", professions=("nurse",), rating=5),
    replace(ROWS[1], orgnr="A", kind="class_visit", professions=("nurse", "doctor")),
    replace(ROWS[2], orgnr="B", kind="career_day", professions=("doctor", "nurse")),
    replace(ROWS[3], orgnr="B", kind="class_visit", professions=("nurse",), rating=2),
    replace(ROWS[4], orgnr="C", kind="class_visit", professions=("nurse",)),
]


def test_schools_reached_ratings_and_coverage() -> None:
    stats = tally(RICH)
    f = stats.total.figures()
    assert (f["schools_reached"], f["schools_booked"], f["coverage"]) == (2, 3, 0.667)
    assert (f["ratings"], f["rating_average"]) == (2, 3.5)
    bergen = stats.by_municipality[("4601", "Bergen")].figures()
    assert (bergen["schools_reached"], bergen["schools_booked"], bergen["coverage"]) == (0, 2, 0.0)
    assert Counts().figures()["coverage"] is None and Counts().figures()["rating_average"] is None


def test_groups_by_profession_combination_and_kind() -> None:
    stats = tally(RICH)
    assert {p: c.requested for p, c in stats.by_profession.items()} == {"nurse": 3, "doctor+nurse": 2}
    assert {k: c.requested for k, c in stats.by_kind.items()} == {"class_visit": 4, "career_day": 1}
    assert stats.by_profession["nurse"].pupils_reached == 65


def test_groups_by_month_of_the_visit_date_in_oslo() -> None:
    stats = tally(RICH)
    assert {m: c.requested for m, c in stats.by_month.items()} == {
        "2026-09": 1, "2026-10": 1, "2027-02": 1, "2027-08": 2,  # 31 July 22:30 UTC is 1 August in Oslo
    }  # fmt: skip
    assert (stats.by_month["2026-09"].ratings, stats.by_month["2026-09"].rating_average) == (1, 5.0)
    assert stats.by_month["2027-08"].pupils_reached == 25


def test_a_page_key_goes_through_its_cursor_and_anything_else_is_refused() -> None:
    import pytest

    from booking.domain.listing import PageKey

    key = PageKey(datetime(2026, 9, 1, 8, 30, 0, 123456, tzinfo=UTC), 42)
    assert PageKey.of_cursor(key.cursor()) == key
    assert "=" not in key.cursor()
    for bad in ("", "x", "@@", PageKey(datetime(2026, 9, 1), 1).cursor(), PageKey(key.created_at, 0).cursor()):
        with pytest.raises(ValueError):
            PageKey.of_cursor(bad)
