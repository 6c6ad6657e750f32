"""Development-only tooling: the local stack (Kafka, PostgreSQL, mail catcher, launcher, demo) and test helpers.
No running service imports this package; service images do not contain it."""
