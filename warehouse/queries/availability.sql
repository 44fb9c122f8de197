-- Every (indicator, level, year) with at least one value: drives which controls are enabled in the app.
SELECT indicator_id, level, year, max(reference_date) AS reference_date, count(value) AS n_values
FROM core.fact_observation
WHERE value IS NOT NULL AND on_current_territory
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
