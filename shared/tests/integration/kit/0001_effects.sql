-- A test service's own state: one row per effect of a handled event or fired timer.
CREATE TABLE effects (
    id        BIGSERIAL PRIMARY KEY,
    subject   TEXT NOT NULL,
    source    TEXT NOT NULL,
    event_id  UUID,
    at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE things (
    id   TEXT PRIMARY KEY,
    note TEXT NOT NULL
);
