-- depends: 0001_members
-- Organisers on the allow-list kept by national organisers, each with a scope (national: region NULL).
CREATE TABLE organisers (
    organiser_id uuid PRIMARY KEY,
    email        text NOT NULL,
    region       jsonb,
    added_by     text NOT NULL,
    added_at     timestamptz NOT NULL DEFAULT now(),
    removed_at   timestamptz
);
CREATE UNIQUE INDEX organisers_one_per_address ON organisers (lower(email)) WHERE removed_at IS NULL;

-- School contacts: a person tied to a school (orgnr) by an organiser's invitation or approval, or through Feide.
CREATE TABLE school_contacts (
    contact_id uuid PRIMARY KEY,
    orgnr      text NOT NULL CHECK (orgnr ~ '^[0-9]{9}$'),
    email      text NOT NULL,
    via        text NOT NULL CHECK (via IN ('invitation', 'approval', 'feide')),
    added_by   text NOT NULL,
    added_at   timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz
);
CREATE UNIQUE INDEX school_contacts_one_per_school ON school_contacts (orgnr, lower(email)) WHERE removed_at IS NULL;
CREATE INDEX school_contacts_by_email ON school_contacts (lower(email)) WHERE removed_at IS NULL;

-- The keys that sign access tokens. A key is published (in the JWKS) from published_at, signs from signs_from,
-- stops signing at retired_at, and leaves the JWKS at withdrawn_at (after its last token expired).
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_pem  text NOT NULL,
    public_jwk   jsonb NOT NULL,
    published_at timestamptz NOT NULL,
    signs_from   timestamptz NOT NULL,
    retired_at   timestamptz,
    withdrawn_at timestamptz,
    CHECK (signs_from >= published_at)
);
