-- Key revocations in the database, so that they reach every instance at once (schema.sql).

-- Stamp-signing keys the authority revoked (admin keys revoke). Every instance also reads
-- its own keys folder, but a folder on another machine is a copy that may arrive late: this
-- table makes a revocation reach every instance at once. It is never undone: a worker keeps
-- a key revoked even if its row went away.
CREATE TABLE signing_key_revocations (
    kid         text        PRIMARY KEY
        CONSTRAINT signing_key_revocations_kid CHECK (kid ~ '^[0-9a-f]{8}$'),
    revoked_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION notify_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('traceability_change', 'keys');
    RETURN NULL;
END $$;

CREATE TRIGGER signing_key_revocations_notify
    AFTER INSERT OR UPDATE OR DELETE ON signing_key_revocations
    FOR EACH STATEMENT EXECUTE FUNCTION notify_keys();
