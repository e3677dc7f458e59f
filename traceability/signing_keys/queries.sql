-- name: key_usage
-- Per signing key: the orders it signed, their stamps and when (its time in use).
SELECT key_id, count(*) AS orders, sum(quantity)::bigint AS stamps,
       min(created_at) AS first_order_at, max(created_at) AS last_order_at
FROM stamp_batches
WHERE cancelled_at IS NULL  -- a cancelled order printed nothing
GROUP BY key_id;
