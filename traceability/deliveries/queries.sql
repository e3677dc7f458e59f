-- name: insert_delivery
INSERT INTO deliveries (chain_id, store_id, cooperative_id, purchase_order, received_at, notes,
                        activated, not_activated, revoked, suspicious, invalid,
                        recorded_by_user_id, recorded_by_key_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id;

-- name: insert_stamps
INSERT INTO delivery_stamps (delivery_id, serial, status, lot_id, cooperative_id)
SELECT $1, u.serial, u.status, u.lot_id, u.cooperative_id
FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
     AS u (serial, status, lot_id, cooperative_id);

-- name: get_delivery
SELECT d.*, s.name AS store_name, ch.name AS chain_name, c.name AS cooperative_name
FROM deliveries d
JOIN stores s ON s.id = d.store_id
JOIN chains ch ON ch.id = d.chain_id
JOIN cooperatives c ON c.id = d.cooperative_id
WHERE d.id = $1;

-- name: delivery_cooperatives
-- The cooperatives whose goods a delivery holds: its supplier and its stamps' owners.
SELECT $2::bigint AS cooperative_id
UNION
SELECT DISTINCT cooperative_id FROM delivery_stamps WHERE delivery_id = $1;

-- name: delivery_lots
-- A delivery's lots with how many stamps of each, as a cooperative ($2) or everyone sees them.
SELECT ds.lot_id, l.code AS lot_code, p.name_vi AS product_name, ds.cooperative_id,
       c.name AS cooperative_name, l.expires_on, count(*) AS stamps
FROM delivery_stamps ds
JOIN cooperatives c ON c.id = ds.cooperative_id
LEFT JOIN lots l ON l.id = ds.lot_id
LEFT JOIN products p ON p.id = l.product_id
WHERE ds.delivery_id = $1
  AND ($2::bigint IS NULL OR ds.cooperative_id = $2)
GROUP BY ds.lot_id, l.code, p.name_vi, ds.cooperative_id, c.name, l.expires_on
ORDER BY c.name, l.code NULLS LAST;

-- name: list_deliveries
-- Newest first, as one viewer may see them: a chain ($1) its own; a cooperative ($2) those
-- it supplied or whose stamps it owns; the authority (both NULL) all. $3 a lot, $4 a store,
-- $5 before id, $6 limit.
SELECT d.*, s.name AS store_name, ch.name AS chain_name, c.name AS cooperative_name
FROM deliveries d
JOIN stores s ON s.id = d.store_id
JOIN chains ch ON ch.id = d.chain_id
JOIN cooperatives c ON c.id = d.cooperative_id
WHERE ($1::bigint IS NULL OR d.chain_id = $1)
  AND ($2::bigint IS NULL OR d.cooperative_id = $2
       OR EXISTS (SELECT 1 FROM delivery_stamps ds
                  WHERE ds.delivery_id = d.id AND ds.cooperative_id = $2))
  AND ($3::bigint IS NULL
       OR EXISTS (SELECT 1 FROM delivery_stamps ds WHERE ds.delivery_id = d.id AND ds.lot_id = $3))
  AND ($4::bigint IS NULL OR d.store_id = $4)
  AND ($5::bigint IS NULL OR d.id < $5)
ORDER BY d.id DESC
LIMIT $6;

-- name: cooperative_exists
SELECT EXISTS (SELECT 1 FROM cooperatives WHERE id = $1);

-- name: supplier_choices
-- The cooperatives a clerk may name as the supplier (name order).
SELECT id, name FROM cooperatives ORDER BY name, id LIMIT 2000;
