-- Claims an idempotency key for a new visit and holds the school to its limit of open requests, inside the one
-- statement that creates the visit (adapters/new_visits.py). A function, because the count must see every visit
-- committed while this request waited for the school's lock: a VOLATILE function takes a fresh snapshot for each
-- statement in it, whereas a plain statement reads the snapshot taken before it waited.
-- Returns false when the key was used before (the caller replays the stored response); raises
-- 'open-request-limit' (SQLSTATE P0001) when the school already has p_max_open open requests (0: no limit).
CREATE FUNCTION claim_visit_key(p_orgnr TEXT, p_key TEXT, p_request_hash TEXT, p_response JSONB, p_max_open INT)
RETURNS BOOLEAN LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO idempotency_keys (orgnr, key, request_hash, status_code, response)
    VALUES (p_orgnr, p_key, p_request_hash, 201, p_response)
    ON CONFLICT (orgnr, key) DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF p_max_open > 0 THEN
        PERFORM pg_advisory_xact_lock(hashtext('booking.open-requests:' || p_orgnr));
        IF (SELECT count(*) FROM visits WHERE orgnr = p_orgnr AND status IN ('requested', 'offered')) >= p_max_open
        THEN
            RAISE EXCEPTION 'open-request-limit';
        END IF;
    END IF;
    RETURN true;
END;
$$;
