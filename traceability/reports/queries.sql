-- name: insert_report
-- A stamp already marked suspicious was reported from its "suspicious" page.
INSERT INTO consumer_reports (code, serial, batch_id, verdict, reason, problem, bought_at,
                              phone, photo, language, client_hash)
VALUES ($1, $2, $3,
        CASE WHEN $4 = 'genuine' AND EXISTS (
                 SELECT 1 FROM stamps WHERE serial = $2 AND suspicious_at IS NOT NULL)
             THEN 'suspicious' ELSE $4 END,
        $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: lock_network
SELECT pg_advisory_xact_lock(hashtextextended('consumer-report:' || $1, 0));

-- name: same_report
-- The same report from the same network a moment ago: a double click, or a refresh.
SELECT id FROM consumer_reports
WHERE client_hash IS NOT DISTINCT FROM $1 AND code = $2 AND problem = $3
  AND received_at > now() - interval '10 minutes'
ORDER BY id DESC LIMIT 1;

-- name: recent_from
-- Reports from one network in the window, and when the oldest of them leaves it.
SELECT count(*) AS reports, min(received_at) AS oldest FROM consumer_reports
WHERE client_hash IS NOT DISTINCT FROM $1 AND received_at > now() - $2::interval;

-- name: list_reports
-- Newest first; $1 the last id of the previous page.
SELECT r.id, r.received_at, r.code, r.serial, r.batch_id, b.product_id, b.cooperative_id,
       coalesce(
           (SELECT a.lot_id FROM stamp_activations a
            WHERE a.batch_id = r.batch_id AND a.serials @> r.serial AND a.lot_id IS NOT NULL
            ORDER BY a.id DESC LIMIT 1),
           b.lot_id) AS lot_id,
       r.verdict, r.reason, r.problem, r.bought_at, r.phone, r.language,
       r.photo IS NOT NULL AS has_photo
FROM consumer_reports r LEFT JOIN stamp_batches b ON b.id = r.batch_id
WHERE ($1::bigint IS NULL OR r.id < $1)
  AND ($2::bigint IS NULL OR r.serial = $2)
  AND ($3::text IS NULL OR r.verdict = $3)
  AND ($4::bigint IS NULL OR r.id = $4)
ORDER BY r.id DESC
LIMIT $5;

-- name: report_photo
SELECT photo FROM consumer_reports WHERE id = $1;
