"""Pure rules of booking: no I/O."""
