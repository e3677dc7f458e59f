-- Coarser rollups beside the daily ones, so that a year of analytics reads 365 day totals
-- and 12 months instead of every day × product × country (and cell) of the year.

-- Coarser forms of the same counts, kept by the recorder in the same statement, so that a
-- long period reads few rows whatever the number of scans: totals per day and cooperative
-- (a year's chart is 365 × cooperatives rows), and per Vietnam month the counts per product
-- and country, and everyone's shared places (at most 12 × the 0.1° cells a year). The days
-- of a period outside its whole months are read from the daily tables.
CREATE TABLE scan_days (
    day             date     NOT NULL,
    cooperative_id  bigint   NOT NULL,
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (day, cooperative_id, shard)
);
CREATE INDEX scan_days_cooperative ON scan_days (cooperative_id, day);

CREATE TABLE scan_monthly (
    month           date     NOT NULL CHECK (month = date_trunc('month', month)::date),
    cooperative_id  bigint   NOT NULL,
    product_id      bigint   NOT NULL,
    country         text     NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    shard           smallint NOT NULL,
    scans           bigint   NOT NULL DEFAULT 0 CHECK (scans >= 0),
    first_scans     bigint   NOT NULL DEFAULT 0 CHECK (first_scans >= 0),
    suspicious      bigint   NOT NULL DEFAULT 0 CHECK (suspicious >= 0),
    views           bigint   NOT NULL DEFAULT 0 CHECK (views >= 0),
    PRIMARY KEY (month, cooperative_id, product_id, country, shard)
);
CREATE INDEX scan_monthly_cooperative ON scan_monthly (cooperative_id, month);

CREATE TABLE scan_monthly_places (
    month      date         NOT NULL CHECK (month = date_trunc('month', month)::date),
    latitude   numeric(4,1) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude  numeric(4,1) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    shard      smallint     NOT NULL,
    scans      bigint       NOT NULL DEFAULT 0 CHECK (scans >= 0),
    PRIMARY KEY (month, latitude, longitude, shard)
);

-- The history so far, from the daily rollups. A worker of the previous version still running
-- after this commits adds to the daily rollups only (a deploy's few seconds of scans).
INSERT INTO scan_days (day, cooperative_id, shard, scans, first_scans, suspicious, views)
SELECT day, cooperative_id, 0, sum(scans), sum(first_scans), sum(suspicious), sum(views)
FROM scan_daily
GROUP BY 1, 2;

INSERT INTO scan_monthly (month, cooperative_id, product_id, country, shard, scans, first_scans,
                          suspicious, views)
SELECT date_trunc('month', day)::date, cooperative_id, product_id, country, 0, sum(scans),
       sum(first_scans), sum(suspicious), sum(views)
FROM scan_daily
GROUP BY 1, 2, 3, 4;

INSERT INTO scan_monthly_places (month, latitude, longitude, shard, scans)
SELECT date_trunc('month', day)::date, latitude, longitude, 0, sum(scans)
FROM scan_daily_places
GROUP BY 1, 2, 3;
