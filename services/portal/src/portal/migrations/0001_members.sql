-- The roster as sign-in needs it: who may sign in as a member, by e-mail (learned from outreach.members).
CREATE TABLE members (
    member_id  text PRIMARY KEY,
    email      text NOT NULL,
    active     boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_by_email ON members (lower(email));
