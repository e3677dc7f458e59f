-- A cooperative's shared places per month, so that its year of places reads 12 × its cells
-- instead of every day × product × cell of the year (450,000 rows for the largest
-- cooperative of the 20-million-scan benchmark).
-- A cooperative's shared places per Vietnam month: its year is 12 × the cells its
-- consumers shared (not every day × product × cell), as scan_monthly_places is everyone's.
CREATE TABLE scan_monthly_cooperative_places (
    cooperative_id  bigint       NOT NULL,
    month           date         NOT NULL CHECK (month = date_trunc('month', month)::date),
    latitude        numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard           smallint     NOT NULL,
    scans           bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (cooperative_id, month, latitude, longitude, shard)
);

-- The history so far, from the daily places, in the order a reader asks for them. A worker
-- of the previous version still running after this commits adds to the daily places only
-- (a deploy's few seconds of scans).
INSERT INTO scan_monthly_cooperative_places (cooperative_id, month, latitude, longitude, shard,
                                             scans)
SELECT cooperative_id, date_trunc('month', day)::date, latitude, longitude, 0, sum(scans)
FROM scan_daily_places
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4;
