-- PLACEHOLDER (lead): pass-through until the harmonisation model lands.
CREATE OR REPLACE TABLE intermediate.obs_harmonised AS
SELECT o.*, o.ags AS original_ags, false AS harmonised, NULL::VARCHAR AS harmonisation_note,
       o.ags IN (SELECT ags FROM intermediate.region) AS on_current_territory
FROM staging.observations_all o;
