-- unit_observations.sql for every unit of one level at once (the profiles' start-up precomputation,
-- dashboard.data.warm_unit_observations): the same columns and the same order within each unit.
SELECT f.ags, f.indicator_id, f.year, f.reference_date, f.value, f.flag, f.source_table AS table_code, f.dataset,
       f.harmonised, f.harmonisation_note
FROM core.fact_observation f
WHERE f.level = $level
ORDER BY f.ags, f.indicator_id, f.year, f.reference_date, f.value, f.flag, f.source_table, f.dataset, f.harmonised,
         f.harmonisation_note
