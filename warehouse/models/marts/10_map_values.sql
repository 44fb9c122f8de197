-- Compact values for the map and value API: current territory only, one row per unit, indicator, level, year.
CREATE OR REPLACE TABLE marts.map_values AS
SELECT indicator_id, level, year, ags, value, flag, reference_date, harmonised
FROM core.fact_observation
WHERE on_current_territory
ORDER BY indicator_id, level, year, ags;
