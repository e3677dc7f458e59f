-- One home for the analytics' split of a period into whole months (scan_monthly) and other
-- days (scan_daily), which four queries repeated.
-- Scans and suspicious scans per cooperative, product and scanning country over a period
-- [since, until] (Vietnam days), of one cooperative or (NULL) everyone's: its whole months
-- [first_month, stop_month) from scan_monthly, its other days from scan_daily. The one home
-- of that split for every analytics grouping; a plain SQL function, so the planner inlines
-- it into each query and plans it as if written there.
CREATE FUNCTION scan_counts(cooperative bigint, since date, until date, first_month date,
                            stop_month date)
RETURNS TABLE (cooperative_id bigint, product_id bigint, country text, scans bigint,
               suspicious bigint)
LANGUAGE sql STABLE AS $$
    SELECT m.cooperative_id, m.product_id, m.country, m.scans, m.suspicious FROM scan_monthly m
    WHERE (cooperative IS NULL OR m.cooperative_id = cooperative)
      AND m.month >= first_month AND m.month < stop_month
    UNION ALL
    SELECT d.cooperative_id, d.product_id, d.country, d.scans, d.suspicious FROM scan_daily d
    WHERE (cooperative IS NULL OR d.cooperative_id = cooperative)
      AND d.day >= since AND d.day < first_month
    UNION ALL
    SELECT d.cooperative_id, d.product_id, d.country, d.scans, d.suspicious FROM scan_daily d
    WHERE (cooperative IS NULL OR d.cooperative_id = cooperative)
      AND d.day >= stop_month AND d.day <= until
$$;
