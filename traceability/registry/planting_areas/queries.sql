-- name: insert_planting_area
INSERT INTO planting_areas (cooperative_id, code, name, crop, area_ha, latitude, longitude, gln)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, cooperative_id, code, name, crop, area_ha::float8 AS area_ha, latitude,
          longitude, gln, created_at, updated_at;

-- name: get_planting_area
SELECT id, cooperative_id, code, name, crop, area_ha::float8 AS area_ha, latitude, longitude,
       gln, created_at, updated_at
FROM planting_areas WHERE id = $1;

-- name: find_by_code
SELECT id, cooperative_id, code, name, crop, area_ha::float8 AS area_ha, latitude, longitude,
       gln, created_at, updated_at
FROM planting_areas WHERE code = $1;

-- name: update_planting_area
UPDATE planting_areas
SET code = $2, name = $3, crop = $4, area_ha = $5, latitude = $6, longitude = $7, gln = $8,
    updated_at = now()
WHERE id = $1
RETURNING id, cooperative_id, code, name, crop, area_ha::float8 AS area_ha, latitude,
          longitude, gln, created_at, updated_at;

-- name: delete_planting_area
DELETE FROM planting_areas WHERE id = $1;

-- name: list_planting_areas
-- $1 cooperative, $2 crop, then the keyset: $3 sort, $4 key, $5 at, $6 id, $7 limit.
SELECT id, cooperative_id, code, name, crop, area_ha::float8 AS area_ha, latitude, longitude,
       gln, created_at, updated_at
FROM planting_areas
WHERE ($1::bigint IS NULL OR cooperative_id = $1)
  AND ($2::text IS NULL OR crop = $2)
  AND ($6::bigint IS NULL
    OR ($3 = 'key' AND (code, id) > ($4::text, $6))
    OR ($3 = '-key' AND (code < $4::text OR (code = $4::text AND id > $6)))
    OR ($3 = 'created_at' AND (created_at, id) > ($5::timestamptz, $6))
    OR ($3 = '-created_at' AND (created_at < $5 OR (created_at = $5 AND id > $6)))
    OR ($3 = 'id' AND id > $6)
    OR ($3 = '-id' AND id < $6))
ORDER BY
    CASE WHEN $3 = 'key' THEN code END,
    CASE WHEN $3 = '-key' THEN code END DESC,
    CASE WHEN $3 = 'created_at' THEN created_at END,
    CASE WHEN $3 = '-created_at' THEN created_at END DESC,
    CASE WHEN $3 = '-id' THEN id END DESC,
    id
LIMIT $7;
