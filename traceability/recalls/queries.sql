-- name: insert_recall
-- Once per lot: a second recall of the same lot is a conflict (nothing is inserted).
WITH inserted AS (
    INSERT INTO lot_recalls (lot_id, reason, recalled_by, recalled_by_role)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (lot_id) DO NOTHING
    RETURNING *
)
SELECT i.lot_id, l.product_id, p.cooperative_id, i.reason, i.recalled_at, i.recalled_by_role
FROM inserted i JOIN lots l ON l.id = i.lot_id JOIN products p ON p.id = l.product_id;

-- name: get_recall
SELECT r.lot_id, l.product_id, p.cooperative_id, r.reason, r.recalled_at, r.recalled_by_role
FROM lot_recalls r JOIN lots l ON l.id = r.lot_id JOIN products p ON p.id = l.product_id
WHERE r.lot_id = $1;
