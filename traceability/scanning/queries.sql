-- name: batch_facts
SELECT id, cooperative_id, product_id, lot_id, lower(serials) AS first_serial,
       upper(serials) - 1 AS last_serial, created_at, scratch_pins
FROM stamp_batches WHERE serials @> $1::bigint;

-- name: batch_activations
SELECT lower(serials) AS first_serial, upper(serials) - 1 AS last_serial, lot_id, activated_at
FROM stamp_activations WHERE batch_id = $1 ORDER BY id;

-- name: batch_revocations
SELECT lower(serials) AS first_serial, upper(serials) - 1 AS last_serial, reason, revoked_at
FROM stamp_revocations WHERE batch_id = $1 ORDER BY id;

-- name: product_view
SELECT p.id, p.name_vi, p.name_en, p.gtin, p.brand, p.ocop_stars, p.ocop_certificate_no,
       p.ocop_expires_on, p.geographical_indication, p.applied_standards, p.image_url,
       p.category,
       c.id AS cooperative_id, c.name AS cooperative_name, c.province, c.district, c.commune,
       c.address_line, c.phone, c.email, c.website
FROM products p JOIN cooperatives c ON c.id = p.cooperative_id
WHERE p.id = $1;

-- name: product_certifications
SELECT scheme, number, issuer, issued_on, expires_on
FROM product_certifications WHERE product_id = $1 ORDER BY issued_on DESC, id LIMIT 10;

-- name: product_listings
SELECT id, platform, label FROM marketplace_listings WHERE product_id = $1 ORDER BY id LIMIT 8;

-- name: lot_view
SELECT l.id, l.code, l.harvested_on, l.expires_on, l.quantity, l.unit,
       a.code AS planting_area_code, a.name AS planting_area_name, a.crop
FROM lots l LEFT JOIN planting_areas a ON a.id = l.planting_area_id
WHERE l.id = $1;

-- name: lot_timeline
SELECT kind, occurred_at, time_zone, place, actor
FROM lot_events WHERE lot_id = $1 ORDER BY occurred_at, id LIMIT 20;

-- name: upsert_stamp_scans
-- One row per stamp, whatever the number of its scans in this flush.
INSERT INTO stamps AS s (serial, batch_id, first_scan_at, last_scan_at, scan_count)
SELECT serial, batch_id, first_at, last_at, n
FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::bigint[])
    AS t(serial, batch_id, first_at, last_at, n)
ON CONFLICT (serial) DO UPDATE SET
    first_scan_at = coalesce(s.first_scan_at, excluded.first_scan_at),
    last_scan_at = greatest(s.last_scan_at, excluded.last_scan_at),
    scan_count = s.scan_count + excluded.scan_count,
    scans_after_pin = s.scans_after_pin
        + CASE WHEN s.pin_verified_at IS NOT NULL THEN excluded.scan_count ELSE 0 END
RETURNING serial, first_scan_at, scan_count, pin_verified_at, scans_after_pin, suspicious_at,
          suspicious_reason;

-- name: places_of
-- Distinct places a stamp was seen at: a shared (rounded) location, else the network hash.
SELECT serial, coalesce(latitude::text || ',' || longitude::text, place_hash) AS place,
       latitude, longitude, max(scanned_at) AS last_at
FROM scans
WHERE serial = ANY($1::bigint[]) AND verdict <> 'not_genuine' AND ua_family <> 'preview'
GROUP BY 1, 2, 3, 4;

-- name: mark_suspicious
UPDATE stamps SET suspicious_at = $2, suspicious_reason = $3
WHERE serial = $1 AND suspicious_at IS NULL;

-- name: insert_scans
INSERT INTO scans (serial, batch_id, scanned_at, verdict, ua_family, place_hash, latitude, longitude)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[],
                     $6::text[], $7::float8[], $8::float8[]);

-- name: stamp_state
SELECT serial, first_scan_at, scan_count, pin_verified_at, scans_after_pin, suspicious_at,
       suspicious_reason
FROM stamps WHERE serial = $1;

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
SELECT url FROM marketplace_listings WHERE id = $1 AND product_id = $2;

-- name: count_click
INSERT INTO listing_clicks AS c (listing_id, day, clicks) VALUES ($1, (now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 1)
ON CONFLICT (listing_id, day) DO UPDATE SET clicks = c.clicks + 1;

-- name: scans_per_day
SELECT (s.scanned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, count(*) AS scans,
       count(*) FILTER (WHERE s.verdict = 'suspicious') AS suspicious
FROM scans s JOIN stamp_batches b ON b.id = s.batch_id
WHERE ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND s.scanned_at >= $2 AND s.scanned_at < $3 AND s.ua_family <> 'preview'
GROUP BY 1 ORDER BY 1;

-- name: scans_per_product
SELECT p.id AS product_id, p.name_vi AS product_name, count(*) AS scans
FROM scans s JOIN stamp_batches b ON b.id = s.batch_id JOIN products p ON p.id = b.product_id
WHERE ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND s.scanned_at >= $2 AND s.scanned_at < $3 AND s.ua_family <> 'preview'
GROUP BY 1, 2 ORDER BY 3 DESC, 1;

-- name: scans_per_district
-- Where the goods come from (the producer's district): scans never hold the scanner's place.
SELECT c.district, count(*) AS scans
FROM scans s JOIN stamp_batches b ON b.id = s.batch_id JOIN cooperatives c ON c.id = b.cooperative_id
WHERE ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND s.scanned_at >= $2 AND s.scanned_at < $3 AND s.ua_family <> 'preview'
GROUP BY 1 ORDER BY 2 DESC, 1;

-- name: clicks_per_platform
SELECT m.platform, sum(k.clicks)::bigint AS clicks
FROM listing_clicks k JOIN marketplace_listings m ON m.id = k.listing_id
JOIN products p ON p.id = m.product_id
WHERE ($1::bigint IS NULL OR p.cooperative_id = $1)
  AND k.day >= ($2 AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
  AND k.day < ($3 AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 1
GROUP BY 1 ORDER BY 2 DESC, 1;
