"""entrypoints of the portal."""
