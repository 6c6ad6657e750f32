-- depends: 0007_api_clients
-- A person asking to become a school's contact: it makes nobody a contact until an organiser approves it.
CREATE TABLE school_contact_requests (
    request_id  uuid PRIMARY KEY,
    orgnr       text NOT NULL CHECK (orgnr ~ '^[0-9]{9}$'),
    email       text NOT NULL,
    message     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    asked_at    timestamptz NOT NULL,
    decided_by  text,
    decided_at  timestamptz
);
CREATE INDEX school_contact_requests_pending ON school_contact_requests (asked_at) WHERE status = 'pending';
