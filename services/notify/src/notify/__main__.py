"""`outreach-notify` (or `python -m notify`) serves; `migrate` applies the migrations and exits."""

from notify.bootstrap import SERVICE
from outreach_shared.runtime import command_line


def main() -> None:
    """Entry point of the notify service."""
    command_line(SERVICE)


if __name__ == "__main__":
    main()
