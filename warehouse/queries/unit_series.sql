-- All years of one indicator for up to a few units (comma-separated keys in $ags): time series in the app.
SELECT f.ags, r.name, f.year, f.reference_date, f.value, f.flag, f.source_table AS table_code
FROM core.fact_observation f
LEFT JOIN core.dim_region r ON r.ags = f.ags AND r.level = f.level
WHERE f.indicator_id = $indicator AND f.level = $level AND list_contains(string_split($ags, ','), f.ags)
ORDER BY f.ags, f.year
