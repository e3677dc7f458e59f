-- name: lookup_serials
-- Every serial in one statement: each one finds its batch through the range index.
SELECT s.serial, b.id AS batch_id, b.cooperative_id, c.name AS cooperative_name,
       b.product_id, p.name_vi AS product_name, p.gtin,
       coalesce(act.lot_id, b.lot_id) AS lot_id, l.code AS lot_code, l.expires_on,
       act.n > 0 AS activated,
       -- A stamp's own revocation says more than its lot's recall, so it is named first.
       coalesce(rev.reason, rc.reason) AS revocation_reason,
       coalesce(rev.category, CASE WHEN rc.lot_id IS NOT NULL THEN 'recalled' END)
           AS revocation_category,
       st.suspicious_at IS NOT NULL AS suspicious
FROM (SELECT DISTINCT serial FROM unnest($1::bigint[]) AS u(serial)) s
JOIN stamp_batches b ON b.serials @> s.serial
JOIN products p ON p.id = b.product_id
JOIN cooperatives c ON c.id = b.cooperative_id
CROSS JOIN LATERAL (
    SELECT count(*) AS n,
           (array_agg(a.lot_id ORDER BY a.id DESC) FILTER (WHERE a.lot_id IS NOT NULL))[1] AS lot_id
    FROM stamp_activations a WHERE a.batch_id = b.id AND a.serials @> s.serial) act
LEFT JOIN LATERAL (
    SELECT r.reason, r.category FROM stamp_revocations r
    WHERE r.batch_id = b.id AND r.serials @> s.serial ORDER BY r.id LIMIT 1) rev ON true
LEFT JOIN lots l ON l.id = coalesce(act.lot_id, b.lot_id)
LEFT JOIN lot_recalls rc ON rc.lot_id = l.id
LEFT JOIN stamps st ON st.serial = s.serial;
