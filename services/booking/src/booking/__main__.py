"""`python -m booking` serves the API and consumers; `python -m booking migrate` applies migrations."""

import asyncio
import sys

from booking.bootstrap import SERVICE
from booking.settings import get_settings
from outreach_shared.db import apply_migrations
from outreach_shared.runtime import serve


def main() -> None:
    """Serve, or migrate and exit."""
    if sys.argv[1:] == ["migrate"]:
        s = get_settings()
        schema = s.database_schema or SERVICE.schema
        applied = asyncio.run(apply_migrations(s.database_url.get_secret_value(), schema, SERVICE.migrations_dir))
        print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none'}")
        return
    serve(SERVICE)


if __name__ == "__main__":
    main()
