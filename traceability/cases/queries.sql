-- name: queue
-- Cases newest first: stamps marked suspicious (open or confirmed) and those whose mark
-- was cleared (dismissed). $1 status, $2 cooperative, $3 product, $4 rule, $5 since,
-- $6 until (timestamps), $7/$8 the keyset (since, serial), $9 limit.
WITH cases AS (
    SELECT s.serial, s.batch_id, b.cooperative_id, c.name AS cooperative_name, b.product_id,
           p.name_vi AS product_name, b.lot_id, l.code AS lot_code,
           CASE WHEN s.suspicious_at IS NULL THEN 'dismissed'
                WHEN EXISTS (SELECT 1 FROM stamp_case_events e
                             WHERE e.serial = s.serial AND e.kind = 'confirmed'
                               AND e.at >= s.suspicious_at) THEN 'confirmed'
                ELSE 'open' END AS status,
           s.suspicious_rule AS rule,
           coalesce(s.suspicious_at, s.cleared_at) AS since,
           s.scan_count, s.last_scan_at,
           coalesce((coalesce(s.suspicious_evidence, s.evidence) ->> 'sessions')::bigint, 0)
               AS sessions,
           coalesce(jsonb_array_length(coalesce(s.suspicious_evidence, s.evidence) -> 'networks'),
                    0) AS networks
    FROM stamps s
    JOIN stamp_batches b ON b.id = s.batch_id
    JOIN cooperatives c ON c.id = b.cooperative_id
    JOIN products p ON p.id = b.product_id
    LEFT JOIN lots l ON l.id = b.lot_id
    WHERE (s.suspicious_at IS NOT NULL OR s.cleared_at IS NOT NULL)
      AND ($2::bigint IS NULL OR b.cooperative_id = $2)
      AND ($3::bigint IS NULL OR b.product_id = $3)
)
SELECT * FROM cases
WHERE ($1::text IS NULL OR status = $1)
  AND ($4::text IS NULL OR rule = $4)
  AND ($5::timestamptz IS NULL OR since >= $5)
  AND ($6::timestamptz IS NULL OR since < $6)
  AND ($7::timestamptz IS NULL OR (since, serial) < ($7, $8::bigint))
ORDER BY since DESC, serial DESC
LIMIT $9;

-- name: open_count
-- The dashboard's figure: marked, not yet decided.
SELECT count(*) FROM stamps s
WHERE s.suspicious_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM stamp_case_events e
                  WHERE e.serial = s.serial AND e.kind = 'confirmed'
                    AND e.at >= s.suspicious_at);

-- name: names
SELECT c.name AS cooperative_name, p.name_vi AS product_name, l.code AS lot_code
FROM stamp_batches b
JOIN cooperatives c ON c.id = b.cooperative_id
JOIN products p ON p.id = b.product_id
LEFT JOIN lots l ON l.id = b.lot_id
WHERE b.id = $1;

-- name: revocation
-- The revocation covering a serial now, newest first.
SELECT id, reason FROM stamp_revocations WHERE serials @> $1::bigint ORDER BY id DESC LIMIT 1;

-- name: events
SELECT e.id, e.at, e.kind, e.body, e.revocation_id,
       coalesce(u.display_name, k.name) AS actor
FROM stamp_case_events e
LEFT JOIN users u ON u.id = e.actor_user_id
LEFT JOIN api_keys k ON k.id = e.actor_key_id
WHERE e.serial = $1
ORDER BY e.id;

-- name: insert_event
INSERT INTO stamp_case_events (serial, kind, body, revocation_id, actor_user_id, actor_key_id)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: lock_stamp
SELECT suspicious_at, cleared_at FROM stamps WHERE serial = $1 FOR UPDATE;
