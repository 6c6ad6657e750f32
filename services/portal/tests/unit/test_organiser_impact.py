"""The impact page's pure parts: school years, bar charts, the map's projection and dots, the list's filters."""

from datetime import date
from types import SimpleNamespace
from typing import Any

from outreach_shared.municipalities import load_register
from portal import i18n
from portal.domain import organiser_impact as oi
from portal.entrypoints.organiser_impact_pages import impact_context
from portal.entrypoints.pages import environment


def test_the_school_year_of_a_day_starts_on_the_first_of_august() -> None:
    assert oi.school_year_of(date(2026, 7, 31)) == "2025-26"
    assert oi.school_year_of(date(2026, 8, 1)) == "2026-27"
    assert oi.school_year_of(date(2099, 12, 1)) == "2099-00"


def test_only_a_school_year_the_page_offers_is_taken() -> None:
    assert oi.parse_school_year("2026-27") == "2026-27" and oi.booking_year("2026-27") == "2026/27"
    for bad in (None, "", "2026-28", "2026/27", "9999-00", "1999-00", "2026-27\x00", "x" * 7):
        assert oi.parse_school_year(bad) is None, bad
    years = oi.years_to_choose("2026-27", "2012-13")
    assert years[0] == "2027-28" and "2016-17" in years and "2012-13" in years and years == sorted(years, reverse=True)


def test_bars_are_in_proportion_to_the_largest_figure_or_the_top_given() -> None:
    chart = oi.bar_chart([("Oslo", 10), ("Bergen", 5), ("Kinn", 0)])
    assert [b.length for b in chart.bars] == [oi.BarChart.WIDTH, oi.BarChart.WIDTH / 2, 0.0]
    assert [b.y for b in chart.bars] == [0.0, oi.BarChart.ROW, 2 * oi.BarChart.ROW]
    assert chart.height == 3 * oi.BarChart.ROW and [b.shown for b in chart.bars] == ["10", "5", "0"]
    ratings = oi.bar_chart([("Sep", 4.5), ("Oct", None)], top=5, decimals=1)
    assert [(b.shown, b.length) for b in ratings.bars] == [("4.5", 234.0), ("–", 0.0)]
    assert oi.bar_chart([]).height == oi.BarChart.ROW and oi.bar_chart([("a", 0)]).bars[0].length == 0.0


def test_the_months_of_a_school_year_run_from_august_to_july_with_empty_ones_filled_in() -> None:
    rows = oi.month_rows([{"month": "2027-03", "completed": 2}, {"month": "2026-08", "completed": 1}], "2026-27")
    assert [label for label, _ in rows] == list(oi.MONTHS) and len(rows) == 12
    assert rows[0][1]["completed"] == 1 and rows[7][1]["completed"] == 2 and rows[1][1] == {}


def test_the_projection_puts_north_up_west_left_and_every_kommune_inside_the_map() -> None:
    p = oi.Projection()
    oslo, tromso, bergen = p.point(59.91, 10.75), p.point(69.65, 18.96), p.point(60.39, 5.32)
    assert tromso[1] < oslo[1] and bergen[0] < oslo[0] < tromso[0]
    for m in load_register().by_number.values():
        x, y = p.point(m.lat, m.lon)
        assert 0 <= x <= p.width and 0 <= y <= p.height, m.name
    assert 1.0 < p.height / p.width < 1.4  # Norway is taller than wide, and keeps that shape


def test_a_dot_per_kommune_sized_by_its_visits_the_largest_drawn_first() -> None:
    places = [SimpleNamespace(kommunenummer=k, name=n, lat=60.0, lon=10.0) for k, n in
              (("0301", "Oslo"), ("4601", "Bergen"), ("5001", "Trondheim"))]  # fmt: skip
    dots = oi.dots(places, {"0301": 1, "4601": 4})
    assert [(d.kommunenummer, d.visits) for d in dots] == [("4601", 4), ("0301", 1), ("5001", 0)]
    assert dots[0].r == oi.LARGEST and dots[1].r == oi.LARGEST / 2 and dots[2].r == oi.SMALLEST
    register = [SimpleNamespace(kommunenummer=m.number, name=m.name, lat=m.lat, lon=m.lon)
                for m in load_register().by_number.values()]  # fmt: skip
    assert len(oi.dots(register, {})) == 357


def test_the_list_filters_go_to_booking_and_into_the_pages_links() -> None:
    f = oi.VisitListFilter(status="completed", county="46", school_year="2026-27", date_from="2026-09-01")
    assert f.booking_params() == {"status": "completed", "county": "46", "school_year": "2026/27",
                                  "from": "2026-09-01"}  # fmt: skip
    assert f.query(after="abc") == "status=completed&county=46&school_year=2026-27&from=2026-09-01&after=abc"
    assert oi.VisitListFilter().query() == "school_year=all" and oi.VisitListFilter().booking_params() == {}
    assert oi.booking_field("query.from") == "date_from" and oi.booking_field("kommunenummer") == "kommunenummer"


def _figures(**values: Any) -> dict[str, Any]:
    base = {"requested": 0, "completed": 0, "pupils_reached": 0, "ratings": 0, "rating_average": None}
    return {**base, **values}


STATS = {
    "total": _figures(requested=3, completed=2, pupils_reached=65, ratings=1, rating_average=4.0),
    "by_month": [{"month": "2026-09", **_figures(requested=2, completed=2, pupils_reached=65, ratings=1,
                                                  rating_average=4.0)},
                 {"month": "2027-03", **_figures(requested=1)}],
    "by_county": [{"county_number": "46", "county": "Vestland", **_figures(requested=3, completed=2)}],
    "by_profession": [{"professions": "health_worker+nurse", **_figures(requested=3, completed=2)}],
    "by_municipality": [{"kommunenummer": "4640", "name": "Sogndal", "county_number": "46",
                         **_figures(requested=3, completed=2, pupils_reached=65)}],
}  # fmt: skip


def test_the_page_draws_every_chart_as_an_image_with_its_table_and_a_dot_per_kommune_without_style() -> None:
    with i18n.speaking("en"):
        context = impact_context(STATS, "2026-27", "2026-27")
        html = environment.get_template("organiser/impact_page.html").render(
            {**context, "lang": "en", "languages": [], "navigation": [], "request": None, "csrf_field": lambda: ""}
        )
    assert html.count('role="img"') == 10  # three figures in three groupings, and the map
    assert html.count("<circle ") == 357 and "<title>Sogndal: 2</title>" in html
    assert 'id="table-months"' in html and 'id="table-counties"' in html and 'id="table-municipalities"' in html
    assert "Health worker + Nurse" in html and "September" in html
    main = html[html.index("<main"):html.index("</main>")]
    assert " style=" not in main and "<script" not in main
    assert len(html.encode()) < 100_000
