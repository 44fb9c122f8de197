-- The indicator catalogue with availability (levels, years), sources and licences.
SELECT * FROM core.dim_indicator ORDER BY indicator_id
