-- depends: 0005_calendar_slot
-- Pupils' anonymous survey after a visit (domain/survey.py): one code per visit, made when its team or an organiser
-- first asks for it. An answer holds the three choices and the SHA-256 of the random cookie that stops a second
-- answer from the same browser: no time, no address, nothing about the pupil.
CREATE TABLE visit_surveys (
    visit_id   TEXT PRIMARY KEY REFERENCES visits (id) ON DELETE CASCADE,
    code       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE survey_answers (
    id          BIGSERIAL PRIMARY KEY,
    visit_id    TEXT NOT NULL REFERENCES visit_surveys (visit_id) ON DELETE CASCADE,
    imagine     TEXT NOT NULL CHECK (imagine IN ('yes', 'maybe', 'no')),
    learned     TEXT NOT NULL CHECK (learned IN ('yes', 'no')),
    good        TEXT NOT NULL CHECK (good IN ('yes', 'ok', 'no')),
    cookie_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX survey_answers_by_visit ON survey_answers (visit_id);
