"""Checks of a gathering's places against the municipality register."""

from outreach_shared.errors import Invalid
from outreach_shared.municipalities import load_register
from training.domain.gathering import Gathering


def check_places(g: Gathering) -> None:
    """Raise Invalid unless the venue's kommunenummer and every county number in the region exist."""
    register = load_register()
    register.get(g.venue.kommunenummer, field="venue.kommunenummer")
    unknown = sorted(set(g.region) - register.county_numbers)
    if unknown:
        known = ", ".join(sorted(register.county_numbers))
        raise Invalid(f"unknown county number(s) {', '.join(unknown)}: expected some of {known}", field="region")
