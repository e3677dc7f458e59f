-- A month's partition made while scans of that month arrive: they used to land in the default
-- partition between moving its rows and attaching the month, and the attach then failed
-- ("partition constraint ... would be violated"), again at every retry under steady traffic.
CREATE OR REPLACE FUNCTION scan_partition_ensure(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    low  timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    high timestamptz := (date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month')
                        AT TIME ZONE 'UTC';
    name text := 'scans_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN name;
    END IF;
    -- Scans of this month arriving meanwhile wait (a moment) instead of landing in the default
    -- partition between the move below and the attach, which then failed on them.
    LOCK TABLE scans_default IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE %I (LIKE scans INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    -- The bound as a constraint first, so attaching needs no scan of the new table.
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (scanned_at >= %L AND scanned_at < %L)',
                   name, name || '_bound', low, high);
    EXECUTE format('WITH moved AS (DELETE FROM scans_default WHERE scanned_at >= %L AND scanned_at < %L'
                   ' RETURNING *) INSERT INTO %I SELECT * FROM moved', low, high, name);
    EXECUTE format('ALTER TABLE scans ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   name, low, high);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', name, name || '_bound');
    RETURN name;
END $$;
