"""The committed events page matches the contracts."""

from pathlib import Path

from outreach_shared.docs import render

ROOT = Path(__file__).resolve().parents[3]


def test_events_page_is_generated_from_the_current_contracts():
    committed = (ROOT / "shared" / "docs" / "events.md").read_text(encoding="utf-8")
    assert committed == render(), "shared/docs/events.md is stale: run `make docs`"


def test_events_page_lists_every_event_type():
    page = render()
    from outreach_shared.contracts import CATALOGUE

    for event_type in CATALOGUE:
        assert f"`{event_type}`" in page
