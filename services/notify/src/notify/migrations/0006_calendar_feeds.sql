-- depends: 0005_set_aside_deliveries
-- Personal calendar feeds: one per owner (member:ID, school:ORGNR, organiser:SUBJECT), found by the sha256 of its
-- secret (the secret itself is never stored). The scope says what the feed shows: a member's holdings, a school's
-- visits by orgnr, or the visits of a region (no fylker and no kommuner: the whole country).
CREATE TABLE calendar_feeds (
    owner       TEXT PRIMARY KEY,
    secret_hash BYTEA NOT NULL UNIQUE,
    scope_kind  TEXT NOT NULL CHECK (scope_kind IN ('member', 'school', 'region')),
    scope_ref   TEXT NOT NULL DEFAULT '',           -- member:ID for a member, the orgnr for a school
    fylker      TEXT[] NOT NULL DEFAULT '{}',
    kommuner    TEXT[] NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);

-- When a holding last changed, by the service's clock: the feed's DTSTAMP, its Last-Modified, and the start of a
-- cancelled event's 30 days in feeds.
ALTER TABLE calendar_holdings ADD COLUMN changed_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- Where a visit belongs (no personal data): its school's orgnr and kommune, and the calendar event the school holds,
-- so a school's and a region's feed are one indexed join to calendar_holdings.
CREATE TABLE visit_places (
    visit_id TEXT PRIMARY KEY,
    uid      TEXT NOT NULL,
    school   TEXT NOT NULL,                       -- the school's recipient key: school:VISIT_ID
    orgnr    TEXT NOT NULL,
    kommune  TEXT NOT NULL
);
CREATE INDEX visit_places_orgnr ON visit_places (orgnr);
CREATE INDEX visit_places_kommune ON visit_places (kommune);
