-- The training service's own tables (search_path is the service schema).
CREATE TABLE gatherings (
    id                   TEXT PRIMARY KEY,
    title                TEXT NOT NULL,
    venue                JSONB NOT NULL,
    region               TEXT[] NOT NULL,
    audience             TEXT[] NOT NULL,
    capacity             INT NOT NULL CHECK (capacity > 0),
    starts_at            TIMESTAMPTZ NOT NULL,
    ends_at              TIMESTAMPTZ NOT NULL,
    registration_opens   TIMESTAMPTZ NOT NULL,
    registration_closes  TIMESTAMPTZ NOT NULL,
    withdrawal_deadline  TIMESTAMPTZ NOT NULL,
    sessions             JSONB NOT NULL DEFAULT '[]'::jsonb,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled', 'completed')),
    cancel_reason        TEXT,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX gatherings_open ON gatherings (registration_closes) WHERE status = 'published';

-- The roster read model: only what eligibility needs (no name, e-mail or phone).
CREATE TABLE members (
    member_id   TEXT PRIMARY KEY,
    profession  TEXT NOT NULL,
    county      TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX members_eligible ON members (profession, county) WHERE active;

CREATE TABLE invitations (
    gathering_id TEXT NOT NULL REFERENCES gatherings (id),
    member_id    TEXT NOT NULL,
    invited_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    reminded_at  TIMESTAMPTZ,
    PRIMARY KEY (gathering_id, member_id)
);
CREATE INDEX invitations_member ON invitations (member_id);

CREATE SEQUENCE registration_queue;

CREATE TABLE registrations (
    id                  UUID PRIMARY KEY,
    gathering_id        TEXT NOT NULL REFERENCES gatherings (id),
    member_id           TEXT NOT NULL,
    status              TEXT NOT NULL
                        CHECK (status IN ('confirmed', 'waitlisted', 'offered', 'withdrawn', 'lapsed')),
    queue_seq           BIGINT NOT NULL DEFAULT nextval('registration_queue'),
    dietary             TEXT,
    accessibility       TEXT,
    needs_accommodation BOOLEAN NOT NULL DEFAULT false,
    registered_at       TIMESTAMPTZ NOT NULL,
    offer_expires_at    TIMESTAMPTZ,
    checked_in_at       TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (gathering_id, member_id)
);
CREATE INDEX registrations_queue ON registrations (gathering_id, queue_seq) WHERE status = 'waitlisted';
CREATE INDEX registrations_member ON registrations (member_id);
