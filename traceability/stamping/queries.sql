-- name: find_by_idempotency_key
SELECT id, request_hash FROM stamp_batches
WHERE cooperative_id = $1 AND idempotency_key = $2;

-- name: product_owner
-- The product's cooperative, whether the lot (if any) is one of the product's lots, its GTIN.
SELECT p.cooperative_id, p.gtin,
       ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM lots l WHERE l.id = $2 AND l.product_id = p.id))
           AS lot_ok
FROM products p WHERE p.id = $1;

-- name: allocate_serials
-- The counter row's lock serialises concurrent orders until their transactions end, so two
-- orders can never be given overlapping ranges (the EXCLUDE constraint would refuse anyway).
UPDATE serial_counter SET next_serial = next_serial + $1
RETURNING next_serial - $1 AS first_serial;

-- name: insert_batch
INSERT INTO stamp_batches (cooperative_id, product_id, lot_id, serials, quantity, key_id,
                           unit_price_vnd, subsidy_share, idempotency_key, request_hash,
                           created_by, stamp_form, gtin, scratch_pins)
VALUES ($1, $2, $3, int8range($4::bigint, $4::bigint + $5::integer), $5, $6, $7, $8, $9, $10, $11,
        $12, $13, $14)
ON CONFLICT (cooperative_id, idempotency_key) DO NOTHING
RETURNING id;

-- name: get_batch
SELECT b.id, b.cooperative_id, b.product_id, b.lot_id,
       lower(b.serials) AS first_serial, upper(b.serials) - 1 AS last_serial,
       b.quantity, b.key_id, b.unit_price_vnd, b.subsidy_share, b.created_at,
       b.stamp_form, b.gtin, b.scratch_pins, b.downloaded_at, b.cancelled_at, b.cancel_reason,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(a.serials) FROM stamp_activations a WHERE a.batch_id = b.id)) r), 0)::bigint
           AS activated,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(v.serials) FROM stamp_revocations v WHERE v.batch_id = b.id)) r), 0)::bigint
           AS revoked,
       CASE WHEN a.batch_id IS NULL THEN 'not_needed' ELSE coalesce(a.decision, 'waiting') END
           AS approval,
       a.reason AS approval_reason, y.paid_on, y.reference AS payment_reference
FROM stamp_batches b
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
LEFT JOIN stamp_order_payments y ON y.batch_id = b.id
WHERE b.id = $1;

-- name: lock_batch
-- Taken before deciding whether an order may be cancelled: an activation in flight holds
-- the row FOR SHARE until it commits, so the checks that follow see it.
SELECT id FROM stamp_batches WHERE id = $1 FOR UPDATE;

-- name: cancel_batch
UPDATE stamp_batches SET cancelled_at = now(), cancel_reason = $2
WHERE id = $1 AND cancelled_at IS NULL AND downloaded_at IS NULL;

-- name: mark_downloaded
-- The first download stamps the order; a cancelled order has nothing to download (the
-- row lock makes a download and a cancellation in flight wait for each other).
UPDATE stamp_batches SET downloaded_at = coalesce(downloaded_at, now())
WHERE id = $1 AND cancelled_at IS NULL
RETURNING downloaded_at;

-- name: list_batches
SELECT b.id, b.cooperative_id, b.product_id, b.lot_id,
       lower(b.serials) AS first_serial, upper(b.serials) - 1 AS last_serial,
       b.quantity, b.key_id, b.unit_price_vnd, b.subsidy_share, b.created_at,
       b.stamp_form, b.gtin, b.scratch_pins, b.downloaded_at, b.cancelled_at, b.cancel_reason,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(s.serials) FROM stamp_activations s WHERE s.batch_id = b.id)) r), 0)::bigint
           AS activated,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(v.serials) FROM stamp_revocations v WHERE v.batch_id = b.id)) r), 0)::bigint
           AS revoked,
       CASE WHEN a.batch_id IS NULL THEN 'not_needed' ELSE coalesce(a.decision, 'waiting') END
           AS approval,
       a.reason AS approval_reason, y.paid_on, y.reference AS payment_reference
FROM stamp_batches b
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
LEFT JOIN stamp_order_payments y ON y.batch_id = b.id
WHERE ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND ($2::bigint IS NULL OR b.product_id = $2)
  AND b.id > $3
  AND ($5::text IS NULL
       OR CASE WHEN a.batch_id IS NULL THEN 'not_needed' ELSE coalesce(a.decision, 'waiting') END
          = $5)
ORDER BY b.id
LIMIT $4;

-- name: batch_for_serial
SELECT id FROM stamp_batches WHERE serials @> $1::bigint;

-- name: batches_of_lot
-- Stamps of a lot: batches ordered for it, and ranges activated with it.
SELECT b.id AS batch_id, b.cooperative_id, lower(b.serials) AS first_serial,
       upper(b.serials) - 1 AS last_serial
FROM stamp_batches b WHERE b.lot_id = $1
UNION
SELECT b.id, b.cooperative_id, lower(a.serials), upper(a.serials) - 1
FROM stamp_activations a JOIN stamp_batches b ON b.id = a.batch_id
WHERE a.lot_id = $1
ORDER BY 1, 3;

-- name: stamps_ordered_for_lot
-- The lot's page: stamps of the orders placed for it, leaving out cancelled ones.
SELECT coalesce(sum(quantity), 0) FROM stamp_batches
WHERE lot_id = $1 AND cancelled_at IS NULL;

-- name: lot_product
SELECT product_id FROM lots WHERE id = $1;

-- name: active_in_range
SELECT coalesce(sum(upper(r) - lower(r)), 0)::bigint
FROM unnest((SELECT range_agg(a.serials * int8range($2::bigint, $3::bigint + 1))
             FROM stamp_activations a
             WHERE a.batch_id = $1 AND a.serials && int8range($2::bigint, $3::bigint + 1))) r;

-- name: insert_activation
INSERT INTO stamp_activations (batch_id, serials, lot_id, activated_by)
VALUES ($1, int8range($2::bigint, $3::bigint + 1), $4, $5)
RETURNING id, batch_id, lower(serials) AS first_serial, upper(serials) - 1 AS last_serial,
          upper(serials) - lower(serials) AS count, lot_id;

-- name: insert_revocation
INSERT INTO stamp_revocations (batch_id, serials, reason, revoked_by, category)
VALUES ($1, int8range($2::bigint, $3::bigint + 1), $4, $5, $6)
RETURNING id, batch_id, lower(serials) AS first_serial, upper(serials) - 1 AS last_serial,
          upper(serials) - lower(serials) AS count, reason, category;

-- name: cost_report
-- $2, $3: where the first day begins and the day after the last begins, in Vietnam time.
SELECT c.id AS cooperative_id, c.name AS cooperative_name,
       count(*) AS batches, sum(b.quantity) AS stamps,
       sum(b.quantity * b.unit_price_vnd) AS total_vnd,
       sum(round(b.quantity * b.unit_price_vnd * b.subsidy_share)) AS subsidy_vnd
FROM stamp_batches b JOIN cooperatives c ON c.id = b.cooperative_id
LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
-- Orders waiting for approval or rejected cost the province nothing (yet); cancelled ones
-- nothing at all.
WHERE (a.batch_id IS NULL OR a.decision = 'approved')
  AND b.cancelled_at IS NULL
  AND ($1::bigint IS NULL OR b.cooperative_id = $1)
  AND ($2::timestamptz IS NULL OR b.created_at >= $2)
  AND ($3::timestamptz IS NULL OR b.created_at < $3)
GROUP BY c.id, c.name
ORDER BY c.id;

-- The order-time subsidy budget check (stamping/budget.py)

-- name: lock_cooperative
-- Orders of one cooperative take its budget one at a time: the second waits here until the
-- first commits, then counts it (NO KEY UPDATE leaves foreign-key checks free to run).
SELECT name FROM cooperatives WHERE id = $1 FOR NO KEY UPDATE;

-- name: budget_of
SELECT budget_vnd FROM subsidy_budgets WHERE cooperative_id = $1 AND year = $2;

-- name: subsidy_used
-- The province's share of a cooperative's orders placed in [$2, $3): those that fitted the
-- budget or were approved ($4 = 'counted'), or those still waiting ($4 = 'waiting');
-- order $5 (the one being decided) and cancelled orders left out.
SELECT coalesce(sum(round(b.quantity * b.unit_price_vnd * b.subsidy_share)), 0)::numeric(15,0)
FROM stamp_batches b LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id
WHERE b.cooperative_id = $1
  AND b.created_at >= $2 AND b.created_at < $3
  AND b.cancelled_at IS NULL
  AND b.id IS DISTINCT FROM $5
  AND CASE $4::text
          WHEN 'counted' THEN a.batch_id IS NULL OR a.decision = 'approved'
          ELSE a.batch_id IS NOT NULL AND a.decision IS NULL
      END;

-- name: insert_approval
INSERT INTO stamp_order_approvals (batch_id, year, budget_vnd, used_vnd, decision, decided_at,
                                   decided_by_user_id, decided_by_key_id, reason)
VALUES ($1, $2, $3, $4, $5::text, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END,
        $6, $7, $8);

-- name: batch_key_ids
-- The keys whose stamps are in circulation: a worker refuses to start without any of them.
SELECT DISTINCT key_id FROM stamp_batches;

-- name: revoked_key_ids
-- Signing keys the authority revoked: every worker treats them as revoked, whatever its
-- copy of the keys folder says.
SELECT kid FROM signing_key_revocations;

-- name: record_key_revocation
INSERT INTO signing_key_revocations (kid) VALUES ($1) ON CONFLICT (kid) DO NOTHING;

-- name: serial_states
-- Each serial's order, product, lot (the latest activation that named one, else the
-- order's), whether it is active or revoked, and its order's state. Serials in no order
-- are left out.
SELECT t.serial, b.id AS batch_id, b.cooperative_id, b.product_id, p.name_vi AS product_name,
       coalesce((SELECT a.lot_id FROM stamp_activations a
                 WHERE a.batch_id = b.id AND a.serials @> t.serial AND a.lot_id IS NOT NULL
                 ORDER BY a.id DESC LIMIT 1), b.lot_id) AS lot_id,
       EXISTS (SELECT 1 FROM stamp_activations a
               WHERE a.batch_id = b.id AND a.serials @> t.serial) AS active,
       EXISTS (SELECT 1 FROM stamp_revocations v
               WHERE v.batch_id = b.id AND v.serials @> t.serial) AS revoked,
       b.cancelled_at, b.downloaded_at,
       EXISTS (SELECT 1 FROM stamp_activations a WHERE a.batch_id = b.id) AS batch_activated
FROM unnest($1::bigint[]) AS t(serial)
JOIN stamp_batches b ON b.serials @> t.serial
JOIN products p ON p.id = b.product_id
ORDER BY t.serial;

-- name: recent_batches
-- A cooperative's orders, newest first (the portal's list), before an id for the next page.
SELECT b.id, b.cooperative_id, b.product_id, b.lot_id,
       lower(b.serials) AS first_serial, upper(b.serials) - 1 AS last_serial,
       b.quantity, b.key_id, b.unit_price_vnd, b.subsidy_share, b.created_at,
       b.stamp_form, b.gtin, b.downloaded_at, b.cancelled_at, b.cancel_reason,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(a.serials) FROM stamp_activations a WHERE a.batch_id = b.id)) r), 0)::bigint
           AS activated,
       coalesce((SELECT sum(upper(r) - lower(r)) FROM unnest(
           (SELECT range_agg(v.serials) FROM stamp_revocations v WHERE v.batch_id = b.id)) r), 0)::bigint
           AS revoked
FROM stamp_batches b
WHERE b.cooperative_id = $1 AND ($2::bigint IS NULL OR b.id < $2)
ORDER BY b.id DESC
LIMIT $3;

-- name: order_products
-- What a cooperative may order stamps for: its products, and the lots of each.
SELECT p.id, p.name_vi AS name, p.gtin,
       coalesce(array_agg(l.id ORDER BY l.harvested_on DESC, l.id DESC)
                FILTER (WHERE l.id IS NOT NULL), '{}') AS lot_ids,
       coalesce(array_agg(l.code ORDER BY l.harvested_on DESC, l.id DESC)
                FILTER (WHERE l.id IS NOT NULL), '{}') AS lot_codes
FROM products p LEFT JOIN lots l ON l.product_id = p.id
WHERE p.cooperative_id = $1
GROUP BY p.id
ORDER BY p.name_vi, p.id;

-- name: month_figures
-- Stamps a cooperative ordered (cancelled orders left out) and first activated in
-- [$2, $3): a range activated again is not counted twice.
SELECT
    (SELECT coalesce(sum(quantity), 0) FROM stamp_batches
     WHERE cooperative_id = $1 AND cancelled_at IS NULL
       AND created_at >= $2 AND created_at < $3)::bigint AS ordered,
    (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM (
        SELECT unnest(
            coalesce(range_agg(a.serials) FILTER (WHERE a.activated_at >= $2
                                                  AND a.activated_at < $3), '{}'::int8multirange)
            - coalesce(range_agg(a.serials) FILTER (WHERE a.activated_at < $2), '{}'::int8multirange)
        ) AS r
        FROM stamp_activations a JOIN stamp_batches b ON b.id = a.batch_id
        WHERE b.cooperative_id = $1 AND a.activated_at < $3
        GROUP BY a.batch_id) fresh)::bigint AS activated;
