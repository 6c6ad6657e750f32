-- The pipeline benchmark's own state: one row per handled event (the "one state change").
CREATE TABLE effects (
    event_id UUID PRIMARY KEY,
    subject  TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
