-- depends: 0002_accounts_and_keys
-- Identities from OpenID Connect providers linked to accounts (by one e-mail-link sign-in). Only a keyed hash of the
-- subject is kept (for ID-porten the national identity number: never stored itself). One identity may be linked to
-- several accounts of the same person (a member who is also an organiser): signing in then offers the choice. School
-- contacts sign in through Feide (or the e-mail link); an organiser's scope is read from the allow-list at sign-in.
CREATE TABLE identities (
    issuer          text NOT NULL,
    subject_hash    text NOT NULL,
    role            text NOT NULL CHECK (role IN ('member', 'organiser')),
    account_subject text NOT NULL,
    linked_at       timestamptz NOT NULL,
    PRIMARY KEY (issuer, subject_hash, role, account_subject)
);
CREATE INDEX identities_by_account ON identities (role, account_subject);

-- Redirects to a provider awaiting their callback: the hash of `state` (also kept in the browser's cookie), the
-- nonce and the PKCE verifier. Used once; after a callback whose identity is not linked yet, the identity waits
-- here for the e-mail-link sign-in that links it.
CREATE TABLE oidc_logins (
    state_hash   bytea PRIMARY KEY,
    provider     text NOT NULL,
    nonce        text NOT NULL,
    code_verifier text NOT NULL,
    next_path    text NOT NULL DEFAULT '/',
    created_at   timestamptz NOT NULL,
    used_at      timestamptz,
    issuer       text,
    subject_hash text
);
CREATE INDEX oidc_logins_by_start ON oidc_logins (created_at);
