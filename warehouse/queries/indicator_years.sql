-- Years with at least one value per level for one indicator.
SELECT DISTINCT level, year FROM core.fact_observation
WHERE indicator_id = $indicator AND value IS NOT NULL ORDER BY level, year
