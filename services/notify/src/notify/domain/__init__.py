"""Pure rules of notify: which notices an event makes, for whom, on which channels, and when."""
