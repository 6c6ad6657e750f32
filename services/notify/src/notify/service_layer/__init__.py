"""Use cases: each runs in the caller's transaction (an event's, a timer's or a request's)."""
