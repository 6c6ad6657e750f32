-- depends: 0006_audit
-- Schools' own systems' OAuth2 clients (client-credentials grant, as Maskinporten): the secret is kept only as a
-- salted scrypt hash; a revoked client gets no new token. Failed token requests are counted per client id (by its
-- hash) so guessing a secret is slowed down on every instance alike.
CREATE TABLE api_clients (
    client_id    text PRIMARY KEY CHECK (client_id ~ '^oc_[A-Za-z0-9_-]{20,64}$'),
    orgnr        text NOT NULL CHECK (orgnr ~ '^[0-9]{9}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash  text NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_clients_by_school ON api_clients (orgnr, created_at);

CREATE TABLE client_token_failures (
    client_key text NOT NULL,
    failed_at  timestamptz NOT NULL
);
CREATE INDEX client_token_failures_by_key ON client_token_failures (client_key, failed_at);
