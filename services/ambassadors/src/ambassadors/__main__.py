"""`outreach-ambassadors` serves; `migrate` applies migrations; `import-members FILE` imports a roster."""

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from ambassadors.bootstrap import SERVICE
from ambassadors.service_layer.roster_import import ImportReport, RosterRejected, decode_csv, import_roster
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from ambassadors.settings import get_settings
from outreach_shared import db
from outreach_shared.runtime import command_line
from outreach_shared.skeleton import Scope, SystemClock


async def import_file(raw: bytes, dsn: str) -> ImportReport:
    """Import a roster file in one unit of work: its members and their events, or nothing (RosterRejected)."""
    settings = get_settings()
    text = decode_csv(raw)
    await db.apply_migrations(dsn, SERVICE.schema, SERVICE.migrations_dir)
    pool = await db.create_pool(dsn, SERVICE.schema, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            scope = Scope(now=SystemClock().now(), producer=SERVICE.name, correlation_id=f"import:{uuid.uuid4()}")
            report = await import_roster(AmbassadorsUnit(conn, scope, config=settings.matching_config()), text)
            await scope.finish(conn)  # the events go to the outbox in the import's transaction
    finally:
        await pool.close()
    return report


def import_members(args: list[str]) -> int:
    """`import-members FILE [--dsn DSN]`: import a roster CSV (all rows or none); 1 with the bad rows listed."""
    parser = argparse.ArgumentParser(prog="outreach-ambassadors import-members")
    parser.add_argument("file", type=Path)
    parser.add_argument("--dsn", default=None, help="defaults to AMBASSADORS_DATABASE_URL")
    parsed = parser.parse_args(args)
    dsn = parsed.dsn or get_settings().database_url.get_secret_value()
    try:
        report = asyncio.run(import_file(parsed.file.read_bytes(), dsn))
    except RosterRejected as exc:
        print(exc.detail, file=sys.stderr)
        for p in exc.problems:
            print(f"line {p.line}: {p.reason}", file=sys.stderr)
        return 1
    print(json.dumps({k: len(v) for k, v in vars(report).items()}))
    return 0


def main() -> None:
    """Serve, migrate, or import a roster file."""
    command_line(SERVICE, {"import-members": import_members})


if __name__ == "__main__":
    main()
