-- Scans counted once per browser session; clone rules on bounded, independent evidence;
-- the scan log partitioned by month; analytics from rollups kept as scans are recorded.

ALTER TABLE stamps
    ADD COLUMN views bigint NOT NULL DEFAULT 0 CHECK (views >= 0),
    ADD COLUMN evidence jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN suspicious_rule text CHECK (suspicious_rule IN
        ('crowd', 'spread', 'far_apart', 'countries', 'after_pin')),
    ADD COLUMN suspicious_evidence jsonb,
    ADD COLUMN cleared_at timestamptz,
    ADD COLUMN cleared_reason text CHECK (length(cleared_reason) BETWEEN 1 AND 2000);
ALTER TABLE stamps ALTER COLUMN scan_count SET DEFAULT 0;
UPDATE stamps SET views = scan_count;
UPDATE stamps SET suspicious_rule = CASE
        WHEN suspicious_reason LIKE 'seen % km apart%' THEN 'far_apart'
        WHEN suspicious_reason LIKE 'seen in % places%' THEN 'spread'
        WHEN suspicious_reason LIKE '%after its PIN%' THEN 'after_pin'
        ELSE 'crowd' END
WHERE suspicious_at IS NOT NULL;
ALTER TABLE stamps ADD CONSTRAINT stamps_suspicious_has_rule
    CHECK ((suspicious_at IS NULL) = (suspicious_rule IS NULL));
DROP INDEX stamps_suspicious;
CREATE INDEX stamps_suspicious ON stamps (suspicious_at DESC, serial DESC)
    WHERE suspicious_at IS NOT NULL;

-- The old log moves aside (a temporary copy, so that the new table's constraints get the
-- same names as in schema.sql), then comes back into the partitioned one.
CREATE TEMPORARY TABLE scans_before_0002 ON COMMIT DROP AS SELECT * FROM scans;
DROP TABLE scans;

CREATE TABLE scans (
    scanned_at    timestamptz NOT NULL,
    serial        bigint,
    batch_id      bigint,
    verdict       text        NOT NULL,
    counted       boolean     NOT NULL,
    ua_family     text        NOT NULL,
    session       bigint,
    network       bigint,
    country       text CHECK (country ~ '^[A-Z]{2}$'),
    latitude      latitude,
    longitude     longitude
) PARTITION BY RANGE (scanned_at);
CREATE TABLE scans_default PARTITION OF scans DEFAULT;
CREATE INDEX scans_serial ON scans (serial, scanned_at);
CREATE INDEX scans_time ON scans USING brin (scanned_at);

CREATE FUNCTION scan_partition_ensure(at timestamptz) RETURNS text
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

-- The old log had no sessions: each row was its own scan (as it was counted then).
INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family, latitude, longitude)
SELECT scanned_at, serial, batch_id, verdict, ua_family <> 'preview', ua_family, latitude, longitude
FROM scans_before_0002;

CREATE TABLE scan_daily (
    day             date     NOT NULL,
    cooperative_id  bigint   NOT NULL,
    product_id      bigint   NOT NULL,
    country         text     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (day, cooperative_id, product_id, country, shard)
);
CREATE INDEX scan_daily_cooperative ON scan_daily (cooperative_id, day);

CREATE TABLE scan_daily_places (
    day             date         NOT NULL,
    cooperative_id  bigint       NOT NULL,
    product_id      bigint       NOT NULL,
    latitude        numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard           smallint     NOT NULL,
    scans           bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (day, cooperative_id, product_id, latitude, longitude, shard)
);
CREATE INDEX scan_daily_places_cooperative ON scan_daily_places (cooperative_id, day);

-- The rollups of the history so far (the country of old scans was never known).
INSERT INTO scan_daily (day, cooperative_id, product_id, country, shard, scans, first_scans,
                        suspicious, views)
SELECT (s.scanned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, b.cooperative_id, b.product_id,
       'ZZ', 0, count(*), count(*) FILTER (WHERE s.verdict = 'genuine_first'),
       count(*) FILTER (WHERE s.verdict = 'suspicious'), count(*)
FROM scans_before_0002 s JOIN stamp_batches b ON b.id = s.batch_id
WHERE s.ua_family <> 'preview'
GROUP BY 1, 2, 3;

INSERT INTO scan_daily_places (day, cooperative_id, product_id, latitude, longitude, shard, scans)
SELECT (s.scanned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, b.cooperative_id, b.product_id,
       round(s.latitude::numeric, 1), round(s.longitude::numeric, 1), 0, count(*)
FROM scans_before_0002 s JOIN stamp_batches b ON b.id = s.batch_id
WHERE s.ua_family <> 'preview' AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;
