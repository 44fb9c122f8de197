-- unit_peer_ranks.sql for every unit of one level at once (the profile's start-up precomputation): the rank of
-- each unit in its peer group (same size class, else fine size class, and East/West with $berlin applied to
-- Berlin; Länder: all 16) on every indicator, at the unit's latest year with a value. rank = 1 + peers with a
-- higher value (ties share the best rank), n_peers counts the unit itself.
WITH reg AS (
    SELECT ags, coalesce(size_class, size_class_fine) AS size,
           CASE WHEN east_west = 'berlin' THEN $berlin ELSE east_west END AS ew
    FROM core.dim_region WHERE level = $level
),
v AS (  -- one value per unit, indicator and year: the year's latest Stichtag with a value
    SELECT f.indicator_id, f.ags, f.year, f.value, reg.size, reg.ew,
           CASE WHEN $level = 'land' THEN NULL ELSE reg.size END AS p_size,
           CASE WHEN $level = 'land' THEN NULL ELSE reg.ew END AS p_ew
    FROM core.fact_observation f JOIN reg ON reg.ags = f.ags
    WHERE f.level = $level AND f.value IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY f.indicator_id, f.ags, f.year ORDER BY f.reference_date DESC) = 1
),
r AS (
    SELECT ags, indicator_id, year, size, ew,
           count(*) OVER (PARTITION BY indicator_id, year, p_size, p_ew) AS n_peers,
           rank() OVER (PARTITION BY indicator_id, year, p_size, p_ew ORDER BY value DESC) AS rank,
           rank() OVER (PARTITION BY indicator_id, year, p_size, p_ew ORDER BY value ASC) - 1 AS n_lower,
           max(year) OVER (PARTITION BY indicator_id, ags) AS latest
    FROM v
)
SELECT ags, indicator_id, year, n_peers, rank, n_lower, rank - 1 AS n_higher, size, ew
FROM r WHERE year = latest
ORDER BY ags, indicator_id
