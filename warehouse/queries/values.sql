-- One indicator, level and year: every unit of the current Gebietsstand (value NULL where none),
-- plus observations on older territory that could not be converted, with provenance columns.
WITH f AS (
    SELECT * FROM core.fact_observation WHERE indicator_id = $indicator AND level = $level AND year = $year
    -- one row per unit: the year's latest Stichtag (half-yearly register counts, e.g. Berlin 30.06. and 31.12.)
    QUALIFY row_number() OVER (PARTITION BY ags, on_current_territory ORDER BY reference_date DESC) = 1
),
i AS (SELECT * FROM core.dim_indicator WHERE indicator_id = $indicator)
SELECT coalesce(r.ags, f.ags) AS ags, r.name, $level AS level, r.land_name AS land, r.kommunaltyp, r.size_class,
       r.size_class_fine, r.east_west, r.bbsr_kreistyp, r.population AS population_2024,
       f.reference_date, f.value, i.unit, f.flag, coalesce(f.gebietsstand, '2025-11-30') AS gebietsstand,
       f.harmonised, f.harmonisation_note, coalesce(f.on_current_territory, r.ags IS NOT NULL) AS on_current_territory,
       f.census_basis, f.dataset, f.source_table AS table_code, f.snapshot_id,
       regexp_extract(f.snapshot_id, '[^/]+$') AS source_file,
       -- the row's own source (its dataset), not every source the indicator has; derived rates: their inputs
       coalesce(d.publisher || ': ' || d.title, i.sources) AS source,
       coalesce(d.licence, i.licence) AS licence, coalesce(d.attribution, i.attribution) AS attribution
FROM (SELECT * FROM core.dim_region WHERE level = $level) r
-- a current unit whose only value is on older territory keeps its row (value NULL); the old value is its own row
FULL OUTER JOIN f ON f.ags = r.ags AND coalesce(f.on_current_territory, true)
CROSS JOIN i
LEFT JOIN core.dim_dataset d ON d.dataset = split_part(replace(f.dataset, 'aggregated:', ''), ',', 1)
ORDER BY on_current_territory DESC, ags
