-- name: insert_request
INSERT INTO stamp_order_cancellations (batch_id, reason, requested_by_user_id,
                                       requested_by_key_id)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: open_request_for_update
SELECT id FROM stamp_order_cancellations WHERE batch_id = $1 AND status = 'open' FOR UPDATE;

-- name: close_request
-- $2: withdrawn, approved or rejected; only an open request closes.
UPDATE stamp_order_cancellations
SET status = $2, closed_at = now(), closed_by_user_id = $3, closed_by_key_id = $4,
    decision_reason = $5
WHERE id = $1 AND status = 'open';

-- name: cancel_downloaded_batch
-- Allowed by the trigger stamp_batches_cancelled_before_download once the request is approved.
UPDATE stamp_batches SET cancelled_at = now(), cancel_reason = $2
WHERE id = $1 AND cancelled_at IS NULL;

-- name: requests
-- Requests newest first: of one order ($1), of one cooperative ($2), in one state ($3),
-- before an id ($4), at most $5.
SELECT r.id, r.batch_id, b.cooperative_id, c.name AS cooperative_name,
       p.name_vi AS product_name, b.quantity, lower(b.serials) AS first_serial,
       upper(b.serials) - 1 AS last_serial,
       coalesce((SELECT sum(upper(x) - lower(x)) FROM unnest(
           (SELECT range_agg(a.serials) FROM stamp_activations a WHERE a.batch_id = b.id)) x),
           0)::bigint AS activated,
       r.reason, r.status, r.requested_at, r.closed_at, r.decision_reason
FROM stamp_order_cancellations r
JOIN stamp_batches b ON b.id = r.batch_id
JOIN cooperatives c ON c.id = b.cooperative_id
JOIN products p ON p.id = b.product_id
WHERE ($1::bigint IS NULL OR r.batch_id = $1)
  AND ($2::bigint IS NULL OR b.cooperative_id = $2)
  AND ($3::text IS NULL OR r.status = $3)
  AND ($4::bigint IS NULL OR r.id < $4)
ORDER BY r.id DESC
LIMIT $5;

-- name: open_count
SELECT count(*) FROM stamp_order_cancellations WHERE status = 'open';
