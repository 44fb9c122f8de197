-- The dataset catalogue (one row per official table or product) for provenance: every fact's `dataset`
-- names one of these rows, so a value's source and table come from its own dataset, not from the list
-- of every source the indicator has ever had.
CREATE OR REPLACE TABLE core.dim_dataset AS
SELECT dataset, title, publisher, url, table_codes, licence, attribution, priority, reference_dates, notes
FROM staging.datasets;
