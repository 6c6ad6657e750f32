-- Read models of contacts (personal data, erased on request), visits and gatherings (no personal data).
CREATE TABLE contacts (
    recipient  TEXT PRIMARY KEY,               -- member:ID or school:VISIT_ID
    name       TEXT,
    first_name TEXT,
    email      TEXT,
    phone      TEXT,
    language   TEXT NOT NULL DEFAULT 'nb',
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE erased_recipients (
    recipient TEXT PRIMARY KEY,
    erased_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE visits (
    visit_id       TEXT PRIMARY KEY,
    school_name    TEXT,
    school_address TEXT,
    kind           TEXT,
    language       TEXT,
    start_at       TIMESTAMPTZ,
    end_at         TIMESTAMPTZ,
    sequence       INT NOT NULL DEFAULT 0
);

CREATE TABLE gatherings (
    gathering_id TEXT PRIMARY KEY,
    title        TEXT NOT NULL
);

CREATE TABLE preferences (
    member_id   TEXT PRIMARY KEY,
    preferences JSONB NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One notice per (event, recipient); its context may hold personal data and is cleared on erasure.
CREATE TABLE notices (
    id             UUID PRIMARY KEY,
    event_id       UUID NOT NULL,
    correlation_id TEXT NOT NULL,
    notice_type    TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    subject        TEXT NOT NULL,
    urgent         BOOLEAN NOT NULL,
    context        JSONB NOT NULL,
    calendar       TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (event_id, recipient, notice_type)
);
CREATE INDEX notices_subject ON notices (subject);
CREATE INDEX notices_recipient ON notices (recipient);

-- Exactly once per (event, recipient, channel).
CREATE TABLE deliveries (
    id              UUID PRIMARY KEY,
    notice_id       UUID NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    event_id        UUID NOT NULL,
    recipient       TEXT NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'inbox')),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until     TIMESTAMPTZ,
    waiting_for     TEXT,                       -- 'contact' or 'quiet-hours' while held back
    last_error      TEXT,
    fallback_of     UUID,
    sent_at         TIMESTAMPTZ,
    digested_at     TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (event_id, recipient, channel)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_sending ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_recipient ON deliveries (recipient);

-- What an erased recipient leaves behind: anonymous counts only.
CREATE TABLE delivery_counts (
    notice_type TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL,
    count       BIGINT NOT NULL,
    PRIMARY KEY (notice_type, channel, status)
);

CREATE TABLE inbox_items (
    id          UUID PRIMARY KEY,
    notice_id   UUID NOT NULL UNIQUE REFERENCES notices (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL,
    notice_type TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at     TIMESTAMPTZ
);
CREATE INDEX inbox_items_member ON inbox_items (member_id, created_at DESC);

-- Dead letters seen on outreach.dead-letters: where and why, never the payload.
CREATE TABLE dead_letters (
    partition        INT NOT NULL,
    "offset"         BIGINT NOT NULL,
    topic            TEXT NOT NULL,
    consumer         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    dead_lettered_at TIMESTAMPTZ,
    received_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    digested_at      TIMESTAMPTZ,
    PRIMARY KEY (partition, "offset")
);
