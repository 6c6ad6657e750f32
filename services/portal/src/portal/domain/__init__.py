"""domain of the portal."""
