"""`python -m booking` serves the API and consumers; `python -m booking migrate` applies migrations."""

from booking.bootstrap import SERVICE
from outreach_shared.runtime import command_line


def main() -> None:
    """Serve, or migrate and exit."""
    command_line(SERVICE)


if __name__ == "__main__":
    main()
