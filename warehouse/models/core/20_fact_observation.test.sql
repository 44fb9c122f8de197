-- One value per key and reference date; several dates in one year only where one dataset publishes several
-- Stichtage itself (Berlin's register counts on 30.06. and 31.12.), never from mixing sources or fills;
-- symbols never numbers; derived rates only from same-date counts.
SELECT 'duplicate key' AS test, ags || ' ' || level || ' ' || indicator_id || ' ' || reference_date AS what, count(*) AS n
FROM core.fact_observation GROUP BY ags, level, indicator_id, reference_date HAVING count(*) > 1
UNION ALL
SELECT 'several dates in a year from different sources', ags || ' ' || level || ' ' || indicator_id || ' ' || year,
       count(*)
FROM core.fact_observation GROUP BY ags, level, indicator_id, year
HAVING count(*) > 1 AND count(DISTINCT dataset) > 1
UNION ALL
SELECT 'symbol with value', ags || ' ' || indicator_id, 1 FROM core.fact_observation
WHERE flag IN ('.', 'x', '/', '...', 'booked_elsewhere', 'suppressed') AND value IS NOT NULL
UNION ALL
SELECT 'dash not zero', ags || ' ' || indicator_id, 1 FROM core.fact_observation
WHERE flag = '-' AND value <> 0 AND indicator_id NOT IN (SELECT id FROM staging.indicators WHERE kind = 'derived')
UNION ALL
SELECT 'unknown indicator', indicator_id, 1 FROM core.fact_observation
WHERE indicator_id NOT IN (SELECT id FROM staging.indicators)
UNION ALL
SELECT 'bad key for level', ags || ' ' || level, 1 FROM core.fact_observation
WHERE NOT ((level = 'land' AND length(ags) = 2) OR (level = 'kreis' AND length(ags) = 5)
        OR (level = 'gemeinde' AND length(ags) = 8) OR (level = 'bund' AND ags = 'DG'));
