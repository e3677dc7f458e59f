-- name: approval_for_update
SELECT a.batch_id, a.year, a.budget_vnd, a.used_vnd, a.requested_at, a.decision, a.decided_at,
       a.reason, b.cooperative_id
FROM stamp_order_approvals a JOIN stamp_batches b ON b.id = a.batch_id
WHERE a.batch_id = $1
FOR UPDATE OF a;

-- name: decide
UPDATE stamp_order_approvals
SET decision = $2, decided_at = now(), decided_by_user_id = $3, decided_by_key_id = $4,
    reason = $5
WHERE batch_id = $1 AND decision IS NULL;

-- name: set_budget
INSERT INTO subsidy_budgets (cooperative_id, year, budget_vnd)
VALUES ($1, $2, $3)
ON CONFLICT (cooperative_id, year)
DO UPDATE SET budget_vnd = excluded.budget_vnd, updated_at = now();

-- name: budgets
-- Every cooperative (or one) with its budget for the year, what its orders used and what
-- waits for approval. $2, $3: where the Vietnam year begins and ends.
SELECT c.id AS cooperative_id, c.name AS cooperative_name, s.budget_vnd, s.updated_at,
       coalesce(sum(round(b.quantity * b.unit_price_vnd * b.subsidy_share))
                FILTER (WHERE a.batch_id IS NULL OR a.decision = 'approved'), 0)::numeric(15,0)
           AS used_vnd,
       coalesce(sum(round(b.quantity * b.unit_price_vnd * b.subsidy_share))
                FILTER (WHERE a.batch_id IS NOT NULL AND a.decision IS NULL), 0)::numeric(15,0)
           AS waiting_vnd
FROM cooperatives c
LEFT JOIN subsidy_budgets s ON s.cooperative_id = c.id AND s.year = $4
LEFT JOIN stamp_batches b ON b.cooperative_id = c.id AND b.created_at >= $2 AND b.created_at < $3
    AND b.cancelled_at IS NULL  -- a cancelled order costs nothing
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
WHERE ($1::bigint IS NULL OR c.id = $1)
GROUP BY c.id, c.name, s.budget_vnd, s.updated_at
ORDER BY c.name, c.id;

-- name: payment_of
SELECT paid_on, reference, amount_vnd, recorded_at FROM stamp_order_payments WHERE batch_id = $1;

-- name: record_payment
INSERT INTO stamp_order_payments (batch_id, paid_on, reference, amount_vnd,
                                  recorded_by_user_id, recorded_by_key_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (batch_id) DO UPDATE
SET paid_on = excluded.paid_on, reference = excluded.reference,
    amount_vnd = excluded.amount_vnd, recorded_at = now(),
    recorded_by_user_id = excluded.recorded_by_user_id,
    recorded_by_key_id = excluded.recorded_by_key_id;

-- name: delete_payment
DELETE FROM stamp_order_payments WHERE batch_id = $1;

-- name: statement_lines
-- Orders the province pays its share of (they fitted the budget or were approved, and are
-- not cancelled), placed in [$2, $3), of one cooperative ($1) or all; by cooperative, then
-- as ordered.
SELECT b.id AS batch_id, b.created_at AS ordered_at, c.id AS cooperative_id,
       c.name AS cooperative_name, c.tax_code, p.name_vi AS product_name, b.quantity,
       b.unit_price_vnd, b.subsidy_share, y.paid_on, y.reference AS payment_reference
FROM stamp_batches b
JOIN cooperatives c ON c.id = b.cooperative_id
JOIN products p ON p.id = b.product_id
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
LEFT JOIN stamp_order_payments y ON y.batch_id = b.id
WHERE (a.batch_id IS NULL OR a.decision = 'approved')
  AND b.cancelled_at IS NULL
  AND ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND b.created_at >= $2 AND b.created_at < $3
ORDER BY c.name, c.id, b.created_at, b.id;

-- name: year_figures
-- The province's year at a glance: stamps ordered and subsidised (orders within budget or
-- approved, not cancelled), stamps activated, orders waiting, the budgets set. $1, $2: the
-- Vietnam year.
SELECT
    (SELECT coalesce(sum(b.quantity), 0)::bigint
     FROM stamp_batches b LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
     WHERE b.created_at >= $1 AND b.created_at < $2
       AND (a.batch_id IS NULL OR a.decision = 'approved') AND b.cancelled_at IS NULL) AS ordered,
    (SELECT coalesce(sum(round(b.quantity * b.unit_price_vnd * b.subsidy_share)), 0)::numeric(15,0)
     FROM stamp_batches b LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
     WHERE b.created_at >= $1 AND b.created_at < $2
       AND (a.batch_id IS NULL OR a.decision = 'approved') AND b.cancelled_at IS NULL) AS subsidy_vnd,
    (SELECT coalesce(sum(upper(r) - lower(r)), 0)::bigint
     FROM (SELECT unnest(range_agg(v.serials)) AS r FROM stamp_activations v
           WHERE v.activated_at >= $1 AND v.activated_at < $2 GROUP BY v.batch_id) x) AS activated,
    (SELECT count(*) FROM stamp_order_approvals a JOIN stamp_batches b ON b.id = a.batch_id
     WHERE a.decision IS NULL AND b.cancelled_at IS NULL) AS waiting_orders,
    (SELECT sum(budget_vnd) FROM subsidy_budgets WHERE year = $3)::numeric(15,0) AS budgets_vnd;

-- name: orders
-- Orders newest first with their names, for the authority's lists. $1 approval state (NULL:
-- all), $2 cooperative, $3 before this id, $4 limit.
SELECT b.id AS batch_id, b.created_at AS ordered_at, b.cooperative_id,
       c.name AS cooperative_name, b.product_id, p.name_vi AS product_name, b.quantity,
       b.unit_price_vnd, b.subsidy_share,
       CASE WHEN a.batch_id IS NULL THEN 'not_needed' ELSE coalesce(a.decision, 'waiting') END
           AS approval,
       a.reason AS approval_reason, a.budget_vnd, a.used_vnd, a.decided_at,
       y.paid_on, y.reference AS payment_reference, b.downloaded_at, b.cancelled_at,
       b.cancel_reason,
       EXISTS (SELECT 1 FROM stamp_order_cancellations r
               WHERE r.batch_id = b.id AND r.status = 'open') AS cancellation_requested
FROM stamp_batches b
JOIN cooperatives c ON c.id = b.cooperative_id
JOIN products p ON p.id = b.product_id
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
LEFT JOIN stamp_order_payments y ON y.batch_id = b.id
WHERE ($1::text IS NULL
       OR CASE WHEN a.batch_id IS NULL THEN 'not_needed' ELSE coalesce(a.decision, 'waiting') END
          = $1)
  -- An order its cooperative cancelled while it waited waits for nobody.
  AND NOT ($1::text IS NOT DISTINCT FROM 'waiting' AND b.cancelled_at IS NOT NULL)
  AND ($2::bigint IS NULL OR b.cooperative_id = $2)
  AND ($3::bigint IS NULL OR b.id < $3)
ORDER BY b.id DESC
LIMIT $4;
