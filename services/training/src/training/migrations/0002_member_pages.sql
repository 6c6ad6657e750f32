-- depends: 0001_gatherings
-- What the members' gathering pages need: a check-in code per registration (typed or scanned at the door),
-- when the gathering was completed, and the verification code of each proof of training.

-- 8 (or 16) characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ from the random bytes of a UUID (gen_random_uuid uses
-- the strong random source; bytes 6 and 8 carry the version and variant bits, so they are skipped; 256 % 32 = 0).
CREATE FUNCTION pg_temp.random_code(n INT) RETURNS TEXT LANGUAGE sql VOLATILE AS $$
    SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + get_byte(b, i) % 32, 1), '' ORDER BY k)
    FROM (SELECT decode(replace(gen_random_uuid()::text, '-', ''), 'hex')
                 || decode(replace(gen_random_uuid()::text, '-', ''), 'hex') AS b) AS bytes,
         unnest(ARRAY[0, 1, 2, 3, 4, 5, 9, 10, 16, 17, 18, 19, 20, 21, 25, 26]) WITH ORDINALITY AS picks(i, k)
    WHERE k <= n
$$;

ALTER TABLE registrations ADD COLUMN check_in_code TEXT;
UPDATE registrations SET check_in_code = pg_temp.random_code(8);
ALTER TABLE registrations ALTER COLUMN check_in_code SET NOT NULL;
CREATE UNIQUE INDEX registrations_check_in_code ON registrations (gathering_id, check_in_code);

ALTER TABLE gatherings ADD COLUMN completed_at TIMESTAMPTZ;
UPDATE gatherings SET completed_at = updated_at WHERE status = 'completed';

ALTER TABLE registrations ADD COLUMN verification_code TEXT UNIQUE;
UPDATE registrations r SET verification_code = pg_temp.random_code(16)
FROM gatherings g WHERE g.id = r.gathering_id AND g.status = 'completed' AND r.checked_in_at IS NOT NULL;
