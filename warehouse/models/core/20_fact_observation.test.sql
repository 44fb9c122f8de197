-- One value per key and year; symbols never numbers; derived rates only from same-date counts.
SELECT 'duplicate key' AS test, ags || ' ' || level || ' ' || indicator_id || ' ' || year AS what, count(*) AS n
FROM core.fact_observation GROUP BY ags, level, indicator_id, year HAVING count(*) > 1
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
