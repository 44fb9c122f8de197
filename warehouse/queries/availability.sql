-- Every (indicator, level, year) the app offers: at least one value outside the Stadtstaaten. Berlin and
-- Hamburg are Land = Kreis = Gemeinde, so their values fill every level; alone they do not make a
-- Gemeinde map (e.g. protection seekers are published per Kreis only).
SELECT f.indicator_id, f.level, f.year, max(f.reference_date) AS reference_date, count(f.value) AS n_values
FROM core.fact_observation f
LEFT JOIN core.dim_region r ON r.ags = f.ags AND r.level = f.level
WHERE f.value IS NOT NULL AND f.on_current_territory
GROUP BY 1, 2, 3
HAVING count(f.value) FILTER (WHERE coalesce(r.kommunaltyp, '') <> 'stadtstaat') > 0
ORDER BY 1, 2, 3
