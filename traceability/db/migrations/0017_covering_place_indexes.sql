-- transaction: none
-- Analytics read a period's edge days of shared places from these indexes alone, in day
-- order: a table whose rows were written out of day order (a restore, a bulk backfill) no
-- longer makes a month's edge read every block of the table. Built concurrently, so scans
-- keep being recorded; every statement is safe to run again.
DROP INDEX CONCURRENTLY IF EXISTS scan_daily_places_by_day;
CREATE INDEX CONCURRENTLY scan_daily_places_by_day ON scan_daily_places (day)
    INCLUDE (latitude, longitude, scans);
DROP INDEX CONCURRENTLY IF EXISTS scan_daily_places_by_cooperative;
CREATE INDEX CONCURRENTLY scan_daily_places_by_cooperative ON scan_daily_places (cooperative_id, day)
    INCLUDE (latitude, longitude, scans);
DROP INDEX CONCURRENTLY IF EXISTS scan_daily_places_cooperative;
