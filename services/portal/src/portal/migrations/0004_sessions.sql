-- depends: 0002_accounts_and_keys
-- Sessions of people signed in: the cookie holds a secret, the table only its SHA-256. account_* are NULL while a
-- person with several accounts has not chosen one (choices lists them).
CREATE TABLE sessions (
    session_id   uuid PRIMARY KEY,
    secret_hash  bytea NOT NULL UNIQUE,
    person       text NOT NULL,
    how          text NOT NULL,
    csrf_token   text NOT NULL,
    role         text CHECK (role IN ('member', 'school', 'organiser')),
    subject      text,
    region       jsonb,
    choices      jsonb NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX sessions_by_person ON sessions (person) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_account ON sessions (role, subject) WHERE revoked_at IS NULL;
CREATE INDEX sessions_by_start ON sessions (created_at);

-- Single-use sign-in links: only the secret's SHA-256 is kept. An e-mail link names the address (its accounts are
-- looked up when it is followed); a support link names one account. A link for an unknown address names neither
-- and can never sign in (it is written so known and unknown addresses cost the same).
CREATE TABLE signin_links (
    secret_hash bytea PRIMARY KEY,
    email       text,
    account     jsonb,
    next_path   text NOT NULL DEFAULT '/',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX signin_links_by_expiry ON signin_links (expires_at);

-- Sign-in requests per bucket (`address:<sha256>`, `client:<sha256>`) for the hourly rate limits, shared by every
-- instance of the portal.
CREATE TABLE signin_requests (
    bucket       text NOT NULL,
    requested_at timestamptz NOT NULL
);
CREATE INDEX signin_requests_by_bucket ON signin_requests (bucket, requested_at);
