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

-- The one-visit claim takes the school's lock before the key too, so that it and claim_visit_keys take their locks
-- in the same order.
CREATE OR REPLACE FUNCTION claim_visit_key(p_orgnr TEXT, p_key TEXT, p_request_hash TEXT, p_response JSONB, p_max_open INT)
RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF p_max_open > 0 THEN
        PERFORM pg_advisory_xact_lock(hashtext('booking.open-requests:' || p_orgnr));
    END IF;
    INSERT INTO idempotency_keys (orgnr, key, request_hash, status_code, response)
    VALUES (p_orgnr, p_key, p_request_hash, 201, p_response)
    ON CONFLICT (orgnr, key) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_max_open > 0
        AND (SELECT count(*) FROM visits WHERE orgnr = p_orgnr AND status IN ('requested', 'offered')) >= p_max_open
    THEN
        RAISE EXCEPTION 'open-request-limit';
    END IF;
    RETURN true;
END;
$$;
