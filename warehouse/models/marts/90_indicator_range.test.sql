-- Plausible ranges of etl/indicators/*.yml for every value the warehouse serves, at every level: derived
-- indicators (computed in SQL, e.g. protection seekers per 1,000 inhabitants) never pass the staging boundary,
-- and rates rolled up to Land/Bund are computed here too. A rate of 29,540 per 1,000 fails the build.
-- Counts are left out: their range is a Kreis/Gemeinde range (etl/validate.py checks Land/Bund counts).
SELECT f.indicator_id, f.level, f.ags, f.reference_date::VARCHAR AS reference_date, f.value, i.range
FROM core.fact_observation f
JOIN staging.indicators i ON i.id = f.indicator_id
WHERE i.kind <> 'count' AND i.range IS NOT NULL AND f.value IS NOT NULL
  AND (f.value < (i.range::JSON ->> 0)::DOUBLE OR f.value > (i.range::JSON ->> 1)::DOUBLE)
ORDER BY f.indicator_id, f.level, f.ags
LIMIT 20;
