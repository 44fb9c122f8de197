-- Harmonised observations: no observation lost (each input row is either kept or part of a converted row),
-- one row per key and Gebietsstand within a dataset, symbols never numbers, converted Kreis rows on 2021 keys.
SELECT 'input rows lost' AS test, dataset AS what, count(*) AS n
FROM intermediate.obs_input o
WHERE o.obs_id NOT IN (SELECT unnest(obs_ids) FROM intermediate.obs_converted)
  AND NOT EXISTS (SELECT 1 FROM intermediate.obs_harmonised h WHERE h.dataset = o.dataset AND h.ags = o.ags
                  AND h.level = o.level AND h.indicator_id = o.indicator_id AND h.reference_date = o.reference_date
                  AND h.gebietsstand = o.gebietsstand AND NOT h.harmonised AND h.original_ags = o.ags)
GROUP BY dataset
UNION ALL
SELECT 'duplicate', dataset || ' ' || ags || ' ' || indicator_id || ' ' || reference_date, count(*)
FROM intermediate.obs_harmonised GROUP BY dataset, ags, level, indicator_id, reference_date, gebietsstand HAVING count(*) > 1
UNION ALL
SELECT 'symbol with value', dataset || ' ' || ags, 1 FROM intermediate.obs_harmonised
WHERE flag IN ('.', 'x', '/', '...', 'booked_elsewhere') AND value IS NOT NULL
UNION ALL
SELECT 'harmonised but not current', dataset || ' ' || ags, 1 FROM intermediate.obs_harmonised
WHERE harmonised AND NOT on_current_territory;
