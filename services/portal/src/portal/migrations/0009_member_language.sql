-- depends: 0008_contact_requests
-- The language a member prefers (from the roster), for the pages when they have not picked one in the switcher.
ALTER TABLE members ADD COLUMN language text;
