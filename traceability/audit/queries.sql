-- name: insert_entry
INSERT INTO audit_log (actor_key_id, actor_role, action, entity, entity_id, cooperative_id, before, after,
                       actor_user_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: list_entries
SELECT id, at, actor_key_id, actor_role, action, entity, entity_id, cooperative_id, before, after,
       actor_user_id
FROM audit_log
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND ($2::text IS NULL OR entity = $2)
  AND ($3::text IS NULL OR entity_id = $3)
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;
