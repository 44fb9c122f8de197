-- Peer rank of one unit on every indicator it has, at the unit's latest year with a value: peers = units of the same
-- level with the same size class (size_class, else size_class_fine) and East/West group ($berlin applied to
-- Berlin); Länder: all 16. rank = 1 + peers with a higher value (ties share the best rank), n_peers counts the
-- unit itself. One query for the whole profile instead of one per indicator.
WITH reg AS (
    SELECT ags, coalesce(size_class, size_class_fine) AS size,
           CASE WHEN east_west = 'berlin' THEN $berlin ELSE east_west END AS ew
    FROM core.dim_region WHERE level = $level
),
me AS (SELECT * FROM reg WHERE ags = $ags),
peers AS (
    SELECT r.ags FROM reg r, me
    WHERE $level = 'land' OR (r.size IS NOT DISTINCT FROM me.size AND r.ew IS NOT DISTINCT FROM me.ew)
),
latest AS (
    SELECT indicator_id, max(year) AS year FROM core.fact_observation
    WHERE ags = $ags AND level = $level AND value IS NOT NULL GROUP BY 1
),
v AS (
    SELECT f.indicator_id, f.ags, f.value
    FROM core.fact_observation f
    JOIN latest l ON l.indicator_id = f.indicator_id AND l.year = f.year
    JOIN peers p ON p.ags = f.ags
    WHERE f.level = $level AND f.value IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY f.indicator_id, f.ags ORDER BY f.reference_date DESC) = 1
),
mine AS (SELECT indicator_id, value FROM v WHERE ags = $ags)
SELECT v.indicator_id, l.year, count(*) AS n_peers,
       count(*) FILTER (WHERE v.value > m.value) + 1 AS rank,
       count(*) FILTER (WHERE v.value < m.value) AS n_lower,
       count(*) FILTER (WHERE v.value > m.value) AS n_higher,
       any_value(me.size) AS size, any_value(me.ew) AS ew
FROM v JOIN mine m USING (indicator_id) JOIN latest l USING (indicator_id), me
GROUP BY 1, 2
