-- Compact values for the map and value API: current territory only, one row per unit, indicator, level, year.
CREATE OR REPLACE TABLE marts.map_values AS
SELECT indicator_id, level, year, ags, value, flag, reference_date, harmonised
FROM core.fact_observation
WHERE on_current_territory
-- a year with several Stichtage (Berlin's half-yearly register counts) shows its latest one
QUALIFY row_number() OVER (PARTITION BY indicator_id, level, year, ags ORDER BY reference_date DESC) = 1
ORDER BY indicator_id, level, year, ags;
