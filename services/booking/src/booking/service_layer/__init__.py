"""Use cases: load the aggregate in a transaction, apply the rule, save it and its events."""
