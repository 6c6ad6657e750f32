-- Booking's own tables (search_path is the booking schema). Times are UTC.
CREATE TABLE visits (
    id                   TEXT PRIMARY KEY,
    seq                  BIGSERIAL UNIQUE,  -- creation order, for stable pages
    orgnr                TEXT NOT NULL,
    school_name          TEXT NOT NULL,
    school_address       TEXT NOT NULL,
    kommunenummer        TEXT NOT NULL,
    county_number        TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    audience_description TEXT NOT NULL,
    pupils               INT NOT NULL,
    professions          TEXT[] NOT NULL,
    language             TEXT NOT NULL,
    team_size            INT NOT NULL,
    notes                TEXT,
    windows              JSONB NOT NULL,
    status               TEXT NOT NULL CHECK (status IN
                             ('requested', 'offered', 'confirmed', 'unfulfilled', 'cancelled', 'completed')),
    visit_date           TIMESTAMPTZ NOT NULL,
    scheduled_start      TIMESTAMPTZ,
    scheduled_end        TIMESTAMPTZ,
    calendar_sequence    INT NOT NULL DEFAULT 0,
    ever_confirmed       BOOLEAN NOT NULL DEFAULT false,
    cancellation         JSONB,
    unfulfilled_reason   TEXT,
    report               JSONB,
    pupils_reached       INT,
    rating               JSONB,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX visits_by_school ON visits (orgnr, created_at, seq);
CREATE INDEX visits_by_place ON visits (county_number, kommunenummer);
CREATE INDEX visits_by_date ON visits (visit_date);

CREATE TABLE visit_team_members (
    visit_id   TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    position   INT NOT NULL,
    member_id  TEXT NOT NULL,
    first_name TEXT NOT NULL,
    profession TEXT NOT NULL,
    PRIMARY KEY (visit_id, position)
);
CREATE INDEX visit_team_members_by_member ON visit_team_members (member_id);

CREATE TABLE visit_status_history (
    id       BIGSERIAL PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    status   TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    note     TEXT
);
CREATE INDEX visit_status_history_by_visit ON visit_status_history (visit_id, id);

-- Personal data of the school's contact, kept apart so that erasure is one DELETE.
CREATE TABLE visit_contacts (
    visit_id TEXT PRIMARY KEY REFERENCES visits (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    email    TEXT NOT NULL,
    phone    TEXT NOT NULL
);

-- A retried create returns the stored response; the primary key makes concurrent retries one row.
CREATE TABLE idempotency_keys (
    orgnr        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INT,
    response     JSONB,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (orgnr, key)
);

-- Team events that arrived for a visit in a state where they no longer apply (no personal data).
CREATE TABLE ignored_events (
    event_id    UUID PRIMARY KEY,
    event_type  TEXT NOT NULL,
    visit_id    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    member_ids  TEXT[] NOT NULL DEFAULT '{}',
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ignored_events_by_visit ON ignored_events (visit_id);
