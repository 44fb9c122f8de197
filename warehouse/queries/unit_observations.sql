-- Every observation of one unit (all indicators, all years) with provenance: the profile page.
-- Ordered by every column after indicator and year: rows of the same indicator and year (~90 such pairs) come in
-- one order (unit_observations_level.sql gives the same order per unit).
SELECT f.indicator_id, f.year, f.reference_date, f.value, f.flag, f.source_table AS table_code, f.dataset,
       f.harmonised, f.harmonisation_note
FROM core.fact_observation f
WHERE f.ags = $ags AND f.level = $level
ORDER BY f.indicator_id, f.year, f.reference_date, f.value, f.flag, f.source_table, f.dataset, f.harmonised,
         f.harmonisation_note
