"""`python -m portal` (or `serve`) serves; `python -m portal migrate` applies the migrations."""

from outreach_shared.runtime import command_line
from portal.bootstrap import SERVICE


def main() -> None:
    """Serve, or migrate and exit."""
    command_line(SERVICE)


if __name__ == "__main__":
    main()
