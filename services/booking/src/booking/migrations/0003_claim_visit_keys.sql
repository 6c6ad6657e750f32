-- Claims the idempotency keys of several new visits written together in one statement (group commit:
-- adapters/new_visits.py), holding each school to its limit of open requests. One outcome per input row n (1-based):
-- 'created' (the key is claimed; the caller inserts the visit), 'used' (the key was used before: replay the stored
-- response) or 'limit' (the school already has p_max_open open requests; the key is not kept).
-- The schools' locks are taken first, in orgnr order, then the keys claimed in (orgnr, key) order: writes that
-- overlap wait for each other instead of deadlocking. The count of open requests is a statement of its own after
-- the locks (a VOLATILE function takes a fresh snapshot per statement), plus the rows this call already accepted.
CREATE FUNCTION claim_visit_keys(
    p_orgnr TEXT[], p_key TEXT[], p_request_hash TEXT[], p_response TEXT[], p_max_open INT
) RETURNS TABLE (n BIGINT, outcome TEXT) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    school TEXT;
    accepted TEXT[] := '{}';
    r RECORD;
BEGIN
    IF p_max_open > 0 THEN
        FOR school IN SELECT DISTINCT o FROM unnest(p_orgnr) AS o ORDER BY o LOOP
            PERFORM pg_advisory_xact_lock(hashtext('booking.open-requests:' || school));
        END LOOP;
    END IF;
    FOR r IN
        SELECT u.o, u.k, u.h, u.resp, u.i
        FROM unnest(p_orgnr, p_key, p_request_hash, p_response) WITH ORDINALITY AS u(o, k, h, resp, i)
        ORDER BY u.o, u.k, u.i
    LOOP
        n := r.i;
        INSERT INTO idempotency_keys (orgnr, key, request_hash, status_code, response)
        VALUES (r.o, r.k, r.h, 201, r.resp::jsonb)
        ON CONFLICT (orgnr, key) DO NOTHING;
        IF NOT FOUND THEN
            outcome := 'used';
        ELSIF p_max_open > 0 AND (
            SELECT count(*) FROM visits WHERE orgnr = r.o AND status IN ('requested', 'offered')
        ) + cardinality(array_positions(accepted, r.o)) >= p_max_open THEN
            DELETE FROM idempotency_keys WHERE orgnr = r.o AND key = r.k;
            outcome := 'limit';
        ELSE
            accepted := accepted || r.o;
            outcome := 'created';
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;

-- One visit's claim is the same claim for a batch of one (the same lock order, the same count), raising instead of
-- returning 'limit' so that the statement writing the visit stops there.
CREATE OR REPLACE FUNCTION claim_visit_key(p_orgnr TEXT, p_key TEXT, p_request_hash TEXT, p_response JSONB, p_max_open INT)
RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    result TEXT;
BEGIN
    SELECT c.outcome INTO result
    FROM claim_visit_keys(ARRAY[p_orgnr], ARRAY[p_key], ARRAY[p_request_hash], ARRAY[p_response::text], p_max_open) AS c;
    IF result = 'limit' THEN
        RAISE EXCEPTION 'open-request-limit';
    END IF;
    RETURN result = 'created';
END;
$$;
