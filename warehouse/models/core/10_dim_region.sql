-- What pages and CLI read about a region: the intermediate region dimension as is.
CREATE OR REPLACE TABLE core.dim_region AS SELECT * FROM intermediate.region ORDER BY level, ags;
