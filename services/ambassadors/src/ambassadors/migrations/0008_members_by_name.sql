-- depends: 0007_offers_by_member
-- The roster pages in the organisers' web app: members by name (then id), the keyset `GET /v1/members?after=`
-- pages by.
CREATE INDEX members_by_name ON members (name, id);
