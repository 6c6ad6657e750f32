"""`python -m training` (or `serve`) serves; `python -m training migrate` applies the migrations."""

from outreach_shared.runtime import command_line
from training.bootstrap import SERVICE


def main() -> None:
    """Serve, or migrate and exit."""
    command_line(SERVICE)


if __name__ == "__main__":
    main()
