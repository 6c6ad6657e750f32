"""adapters of the portal."""
