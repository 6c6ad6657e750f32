"""The organiser CLI `outreach`: tokens, roster import, visits, gatherings, stats, dead letters, migrations."""

from outreach_shared.cli.main import app

__all__ = ["app"]
