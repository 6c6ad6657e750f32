"""The booking service: schools' visit requests and their whole lifecycle."""
