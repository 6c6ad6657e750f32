"""`python -m notify` serves; `python -m notify migrate` applies the migrations and exits."""

import asyncio
import sys

from notify.bootstrap import SERVICE
from notify.settings import get_settings
from outreach_shared.db import apply_migrations
from outreach_shared.runtime import serve


def main() -> None:
    """Entry point of the notify service."""
    if sys.argv[1:2] == ["migrate"]:
        s = get_settings()
        dsn = s.database_url.get_secret_value()
        applied = asyncio.run(apply_migrations(dsn, s.database_schema or SERVICE.schema, SERVICE.migrations_dir))
        print(f"applied: {', '.join(applied) or 'nothing'}")
        return
    serve(SERVICE)


if __name__ == "__main__":
    main()
