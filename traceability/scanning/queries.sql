-- name: batch_facts
SELECT id, cooperative_id, product_id, lot_id, lower(serials) AS first_serial,
       upper(serials) - 1 AS last_serial, created_at, scratch_pins
FROM stamp_batches WHERE serials @> $1::bigint;

-- name: batch_activations
SELECT lower(serials) AS first_serial, upper(serials) - 1 AS last_serial, lot_id, activated_at
FROM stamp_activations WHERE batch_id = $1 ORDER BY id;

-- name: batch_revocations
SELECT lower(serials) AS first_serial, upper(serials) - 1 AS last_serial, reason, revoked_at,
       category
FROM stamp_revocations WHERE batch_id = $1 ORDER BY id;

-- name: lock_stamps
-- The scanned stamps' rows, locked in serial order (the same order in every worker).
SELECT serial, batch_id, first_scan_at, last_scan_at, scan_count, views, pin_verified_at,
       scans_after_pin, suspicious_at, suspicious_rule, suspicious_reason, evidence
FROM stamps WHERE serial = ANY($1::bigint[]) ORDER BY serial FOR UPDATE;

-- name: expected_places
-- Where the scanned stamps are expected: the stores (with a location) that received them.
SELECT DISTINCT ds.serial, st.latitude::float8 AS latitude, st.longitude::float8 AS longitude
FROM delivery_stamps ds
JOIN deliveries d ON d.id = ds.delivery_id
JOIN stores st ON st.id = d.store_id
WHERE ds.serial = ANY($1::bigint[]) AND st.latitude IS NOT NULL;

-- name: record_flush
-- Everything a flush writes, in one statement: the stamps' new state (evidence and the
-- suspicious snapshot only when they changed), the scan log, the rollups.
WITH t AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::timestamptz[],
                         $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[],
                         $10::timestamptz[], $11::text[], $12::text[], $13::text[])
        AS t(serial, batch_id, is_new, first_scan_at, last_scan_at, scan_count, views,
             scans_after_pin, evidence, suspicious_at, suspicious_rule, suspicious_reason,
             suspicious_evidence)
), changed AS (
    UPDATE stamps s SET
        first_scan_at = t.first_scan_at, last_scan_at = t.last_scan_at,
        scan_count = t.scan_count, views = t.views, scans_after_pin = t.scans_after_pin,
        evidence = coalesce(t.evidence::jsonb, s.evidence),
        suspicious_at = t.suspicious_at, suspicious_rule = t.suspicious_rule,
        suspicious_reason = t.suspicious_reason,
        suspicious_evidence = coalesce(t.suspicious_evidence::jsonb, s.suspicious_evidence)
    FROM t WHERE s.serial = t.serial AND NOT t.is_new
), added AS (
    -- A plain insert: if another worker created the row meanwhile, the flush is retried.
    INSERT INTO stamps (serial, batch_id, first_scan_at, last_scan_at, scan_count, views,
                        scans_after_pin, evidence, suspicious_at, suspicious_rule,
                        suspicious_reason, suspicious_evidence)
    SELECT serial, batch_id, first_scan_at, last_scan_at, scan_count, views, scans_after_pin,
           coalesce(evidence::jsonb, '{}'), suspicious_at, suspicious_rule, suspicious_reason,
           suspicious_evidence::jsonb
    FROM t WHERE t.is_new
), logged AS (
    INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family, session,
                       network, country, latitude, longitude)
    SELECT * FROM unnest($14::timestamptz[], $15::bigint[], $16::bigint[], $17::text[],
                         $18::boolean[], $19::text[], $20::bigint[], $21::bigint[], $22::text[],
                         $23::float8[], $24::float8[])
), daily AS (
    INSERT INTO scan_daily AS d (day, cooperative_id, product_id, country, shard, scans,
                                 first_scans, suspicious, views)
    SELECT r.day, r.cooperative_id, r.product_id, r.country, $33::smallint, r.scans,
           r.first_scans, r.suspicious, r.views
    FROM unnest($25::date[], $26::bigint[], $27::bigint[], $28::text[], $29::bigint[],
                $30::bigint[], $31::bigint[], $32::bigint[])
        AS r(day, cooperative_id, product_id, country, scans, first_scans, suspicious, views)
    ON CONFLICT (day, cooperative_id, product_id, country, shard) DO UPDATE SET
        scans = d.scans + excluded.scans, first_scans = d.first_scans + excluded.first_scans,
        suspicious = d.suspicious + excluded.suspicious, views = d.views + excluded.views
), daily_places AS (
    INSERT INTO scan_daily_places AS p (day, cooperative_id, product_id, latitude, longitude,
                                       shard, scans)
    SELECT r.day, r.cooperative_id, r.product_id, r.latitude::numeric(4,1),
           r.longitude::numeric(4,1), $33::smallint, r.scans
    FROM unnest($34::date[], $35::bigint[], $36::bigint[], $37::float8[], $38::float8[],
                $39::bigint[]) AS r(day, cooperative_id, product_id, latitude, longitude, scans)
    ON CONFLICT (day, cooperative_id, product_id, latitude, longitude, shard) DO UPDATE SET
        scans = p.scans + excluded.scans
), days AS (
    INSERT INTO scan_days AS d (day, cooperative_id, shard, scans, first_scans, suspicious,
                                views)
    SELECT r.day, r.cooperative_id, $33::smallint, r.scans, r.first_scans, r.suspicious, r.views
    FROM unnest($40::date[], $41::bigint[], $42::bigint[], $43::bigint[], $44::bigint[],
                $45::bigint[]) AS r(day, cooperative_id, scans, first_scans, suspicious, views)
    ON CONFLICT (day, cooperative_id, shard) DO UPDATE SET
        scans = d.scans + excluded.scans, first_scans = d.first_scans + excluded.first_scans,
        suspicious = d.suspicious + excluded.suspicious, views = d.views + excluded.views
), monthly AS (
    INSERT INTO scan_monthly AS m (month, cooperative_id, product_id, country, shard, scans,
                                   first_scans, suspicious, views)
    SELECT r.month, r.cooperative_id, r.product_id, r.country, $33::smallint, r.scans,
           r.first_scans, r.suspicious, r.views
    FROM unnest($46::date[], $47::bigint[], $48::bigint[], $49::text[], $50::bigint[],
                $51::bigint[], $52::bigint[], $53::bigint[])
        AS r(month, cooperative_id, product_id, country, scans, first_scans, suspicious, views)
    ON CONFLICT (month, cooperative_id, product_id, country, shard) DO UPDATE SET
        scans = m.scans + excluded.scans, first_scans = m.first_scans + excluded.first_scans,
        suspicious = m.suspicious + excluded.suspicious, views = m.views + excluded.views
), cooperative_places AS (
    INSERT INTO scan_monthly_cooperative_places AS cp (cooperative_id, month, latitude,
                                                       longitude, shard, scans)
    SELECT r.cooperative_id, r.month, r.latitude::numeric(4,1), r.longitude::numeric(4,1),
           $33::smallint, r.scans
    FROM unnest($58::bigint[], $59::date[], $60::float8[], $61::float8[], $62::bigint[])
        AS r(cooperative_id, month, latitude, longitude, scans)
    ON CONFLICT (cooperative_id, month, latitude, longitude, shard) DO UPDATE SET
        scans = cp.scans + excluded.scans
)
INSERT INTO scan_monthly_places AS mp (month, latitude, longitude, shard, scans)
SELECT r.month, r.latitude::numeric(4,1), r.longitude::numeric(4,1), $33::smallint, r.scans
FROM unnest($54::date[], $55::float8[], $56::float8[], $57::bigint[])
    AS r(month, latitude, longitude, scans)
ON CONFLICT (month, latitude, longitude, shard) DO UPDATE SET scans = mp.scans + excluded.scans;

-- name: ensure_stamp
INSERT INTO stamps (serial, batch_id) VALUES ($1, $2) ON CONFLICT (serial) DO NOTHING;

-- name: lock_stamp_pin
SELECT pin_verified_at, pin_failures, pin_last_failure_at,
       pin_failures >= $2 AND pin_last_failure_at > now() - $3::interval AS locked
FROM stamps WHERE serial = $1 FOR UPDATE;

-- name: pin_verified
UPDATE stamps SET pin_verified_at = coalesce(pin_verified_at, now()), pin_failures = 0
WHERE serial = $1
RETURNING pin_verified_at;

-- name: stamp_pin_failed
UPDATE stamps SET
    pin_failures = CASE WHEN pin_last_failure_at > now() - $2::interval
                        THEN pin_failures + 1 ELSE 1 END,
    pin_last_failure_at = now()
WHERE serial = $1
RETURNING pin_failures;

-- name: client_locked
SELECT failures >= $2 AND last_failure_at > now() - $3::interval
FROM pin_client_failures WHERE client_hash = $1;

-- name: client_pin_failed
INSERT INTO pin_client_failures AS f (client_hash, failures, last_failure_at)
VALUES ($1, 1, now())
ON CONFLICT (client_hash) DO UPDATE SET
    failures = CASE WHEN f.last_failure_at > now() - $2::interval THEN f.failures + 1 ELSE 1 END,
    last_failure_at = now()
RETURNING failures;

-- name: listing_target
SELECT url FROM marketplace_listings
WHERE id = $1 AND product_id = $2 AND approved_at IS NOT NULL;

-- name: count_click
INSERT INTO listing_clicks AS c (listing_id, day, clicks) VALUES ($1, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 1)
ON CONFLICT (listing_id, day) DO UPDATE SET clicks = c.clicks + 1;

-- name: scan_totals
-- Analytics read only the rollups: a year is 365 day totals per cooperative, 12 months per
-- product and country, and the days of the period outside whole months ([$4, $5) are the
-- whole months, empty when there are none).
SELECT coalesce(sum(scans), 0)::bigint AS scans,
       coalesce(sum(first_scans), 0)::bigint AS first_scans,
       coalesce(sum(suspicious), 0)::bigint AS suspicious,
       coalesce(sum(views), 0)::bigint AS views
FROM scan_days
WHERE ($1::bigint IS NULL OR cooperative_id = $1) AND day BETWEEN $2 AND $3;

-- name: scans_per_day
-- Every day of the range, with zeros, so a chart needs no gap filling.
SELECT d.day::date AS day, coalesce(r.scans, 0)::bigint AS scans,
       coalesce(r.first_scans, 0)::bigint AS first_scans,
       coalesce(r.suspicious, 0)::bigint AS suspicious
FROM generate_series($2::date, $3::date, interval '1 day') AS d(day)
LEFT JOIN (
    SELECT day, sum(scans) AS scans, sum(first_scans) AS first_scans,
           sum(suspicious) AS suspicious
    FROM scan_days
    WHERE ($1::bigint IS NULL OR cooperative_id = $1) AND day BETWEEN $2 AND $3
    GROUP BY day
) r ON r.day = d.day::date
ORDER BY 1;

-- name: scans_per_product
-- Over a period ($2 to $3): scan_counts reads its whole months [$4, $5) from the monthly
-- rollup, the days before and after them from the daily one (as every grouping below).
SELECT r.product_id, p.name_vi AS product_name, sum(r.scans)::bigint AS scans,
       sum(r.suspicious)::bigint AS suspicious
FROM scan_counts($1, $2, $3, $4, $5) r JOIN products p ON p.id = r.product_id
GROUP BY 1, 2 HAVING sum(r.scans) > 0 ORDER BY 3 DESC, 1 LIMIT 200;

-- name: scans_per_cooperative
SELECT r.cooperative_id, c.name AS cooperative_name, sum(r.scans)::bigint AS scans,
       sum(r.suspicious)::bigint AS suspicious
FROM scan_counts($1, $2, $3, $4, $5) r JOIN cooperatives c ON c.id = r.cooperative_id
GROUP BY 1, 2 HAVING sum(r.scans) > 0 ORDER BY 3 DESC, 1 LIMIT 200;

-- name: scans_per_commune
-- Where the products come from: their cooperatives' communes (two-level addresses since
-- July 2025), each with its former district when known, so either grouping can be read.
SELECT c.province, c.commune, c.district AS former_district, sum(r.scans)::bigint AS scans,
       sum(r.suspicious)::bigint AS suspicious, count(DISTINCT r.cooperative_id) AS cooperatives
FROM scan_counts($1, $2, $3, $4, $5) r JOIN cooperatives c ON c.id = r.cooperative_id
GROUP BY 1, 2, 3 HAVING sum(r.scans) > 0 ORDER BY 4 DESC, 1, 2, 3 LIMIT 200;

-- name: scans_per_country
-- Where the scanning networks are (registry data, 'ZZ' unknown), not the producer's place.
SELECT r.country, sum(r.scans)::bigint AS scans
FROM scan_counts($1, $2, $3, $4, $5) r
GROUP BY 1 HAVING sum(scans) > 0 ORDER BY 2 DESC, 1;

-- name: shared_places
-- A cooperative's places ($1): its whole months [$4, $5) from its monthly places, the days of
-- the period ($2 to $3) before and after them from its daily ones.
SELECT latitude::float8 AS latitude, longitude::float8 AS longitude, scans::bigint AS scans
FROM (
    SELECT latitude, longitude, sum(scans) AS scans
    FROM (
        SELECT latitude, longitude, scans FROM scan_monthly_cooperative_places
        WHERE cooperative_id = $1 AND month >= $4 AND month < $5
        UNION ALL
        SELECT latitude, longitude, scans FROM scan_daily_places
        WHERE cooperative_id = $1 AND day >= $2 AND day < $4
        UNION ALL
        SELECT latitude, longitude, scans FROM scan_daily_places
        WHERE cooperative_id = $1 AND day >= $5 AND day <= $3
    ) p
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1000
) top
ORDER BY 3 DESC, 1, 2;

-- name: shared_places_everywhere
-- Everyone's places: the whole months [$3, $4) from the monthly rollup, the days of the
-- period ($1 to $2) before and after them from the daily one.
-- Grouped by the stored numeric cells, converted once per place shown.
SELECT latitude::float8 AS latitude, longitude::float8 AS longitude, scans::bigint AS scans
FROM (
    SELECT latitude, longitude, sum(scans) AS scans
    FROM (
        SELECT latitude, longitude, scans FROM scan_monthly_places
        WHERE month >= $3 AND month < $4
        UNION ALL
        SELECT latitude, longitude, scans FROM scan_daily_places WHERE day >= $1 AND day < $3
        UNION ALL
        SELECT latitude, longitude, scans FROM scan_daily_places WHERE day >= $4 AND day <= $2
    ) p
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 1000
) top
ORDER BY 3 DESC, 1, 2;

-- name: clicks_per_platform
SELECT m.platform, sum(k.clicks)::bigint AS clicks
FROM listing_clicks k JOIN marketplace_listings m ON m.id = k.listing_id
JOIN products p ON p.id = m.product_id
WHERE ($1::bigint IS NULL OR p.cooperative_id = $1)
  AND k.day BETWEEN $2 AND $3
GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: months_in_default
-- Months that reached the default partition (normally none: it stays empty).
SELECT array_agg(DISTINCT date_trunc('month', scanned_at AT TIME ZONE 'UTC'))
FROM scans_default;

-- name: ensure_partition
SELECT scan_partition_ensure($1::timestamptz);

-- name: scan_partitions
SELECT array_agg(c.relname::text ORDER BY c.relname)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'scans'::regclass;

-- name: list_suspicious
-- Newest first, paged by (suspicious_at, serial): the partial index stamps_suspicious.
SELECT s.serial, s.batch_id, b.cooperative_id, b.product_id, s.scan_count, s.first_scan_at,
       s.last_scan_at, s.suspicious_at, s.suspicious_rule AS rule, s.suspicious_reason,
       s.scans_after_pin,
       coalesce((s.suspicious_evidence ->> 'sessions')::bigint, 0) AS sessions,
       coalesce(jsonb_array_length(s.suspicious_evidence -> 'networks'), 0) AS networks
FROM stamps s JOIN stamp_batches b ON b.id = s.batch_id
WHERE s.suspicious_at IS NOT NULL
  AND ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND ($2::timestamptz IS NULL OR (s.suspicious_at, s.serial) < ($2, $3::bigint))
ORDER BY s.suspicious_at DESC, s.serial DESC
LIMIT $4;

-- name: suspicion_case
SELECT s.serial, s.batch_id, b.cooperative_id, b.product_id, b.lot_id, s.scan_count, s.views,
       s.first_scan_at, s.last_scan_at, s.suspicious_at, s.suspicious_rule AS rule,
       s.suspicious_reason, coalesce(s.suspicious_evidence, s.evidence) AS evidence,
       s.cleared_at, s.cleared_reason
FROM stamps s JOIN stamp_batches b ON b.id = s.batch_id
WHERE s.serial = $1;

-- name: recent_scans
SELECT scanned_at, verdict, counted, country, latitude, longitude, ua_family
FROM scans WHERE serial = $1 ORDER BY scanned_at DESC LIMIT $2;

-- name: clear_suspicion
-- The mark goes, and so does the evidence it rested on: the rules start afresh.
UPDATE stamps SET suspicious_at = NULL, suspicious_rule = NULL, suspicious_reason = NULL,
                  evidence = '{}', cleared_at = $2, cleared_reason = $3
WHERE serial = $1 AND suspicious_at IS NOT NULL
RETURNING serial;

-- name: stamp_story
-- A stamp's facts: its order, product, lot (the latest activation naming one, else the
-- order's), first activation, first revocation and its own row, if it has one.
SELECT $1::bigint AS serial, b.id AS batch_id, b.cooperative_id, b.product_id,
       p.name_vi AS product_name, b.key_id, b.created_at AS ordered_at, b.downloaded_at,
       b.cancelled_at, b.cancel_reason,
       EXISTS (SELECT 1 FROM stamp_activations a WHERE a.batch_id = b.id) AS batch_activated,
       act.activated_at, coalesce(named.lot_id, b.lot_id) AS lot_id, l.code AS lot_code,
       rev.revoked_at, rev.reason AS revocation_reason,
       coalesce(s.scan_count, 0) AS scan_count, coalesce(s.views, 0) AS views,
       s.first_scan_at, s.last_scan_at, s.pin_verified_at, s.suspicious_at, s.suspicious_rule,
       s.suspicious_reason, s.cleared_at, s.cleared_reason
FROM stamp_batches b
JOIN products p ON p.id = b.product_id
LEFT JOIN stamps s ON s.serial = $1::bigint
LEFT JOIN LATERAL (
    SELECT min(a.activated_at) AS activated_at FROM stamp_activations a
    WHERE a.batch_id = b.id AND a.serials @> $1::bigint) act ON true
LEFT JOIN LATERAL (
    SELECT a.lot_id FROM stamp_activations a
    WHERE a.batch_id = b.id AND a.serials @> $1::bigint AND a.lot_id IS NOT NULL
    ORDER BY a.id DESC LIMIT 1) named ON true
LEFT JOIN lots l ON l.id = coalesce(named.lot_id, b.lot_id)
LEFT JOIN LATERAL (
    SELECT v.revoked_at, v.reason FROM stamp_revocations v
    WHERE v.batch_id = b.id AND v.serials @> $1::bigint ORDER BY v.id LIMIT 1) rev ON true
WHERE b.serials @> $1::bigint;

-- name: stamp_scans
-- Newest first; $2/$4: the cursor's time and how many scans of that instant were served.
SELECT scanned_at, verdict, counted, country, latitude, longitude, ua_family
FROM scans
WHERE serial = $1 AND ($2::timestamptz IS NULL OR scanned_at <= $2)
ORDER BY scanned_at DESC, verdict, counted, country, latitude, longitude, ua_family
LIMIT $3 OFFSET $4;
