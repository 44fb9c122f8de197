-- Where the values of one indicator, level and year come from: one row per dataset and table code, with the
-- files (snapshots) and reference dates actually used. Roll-ups ('aggregated:<dataset>') count for their dataset;
-- derived rates ('derived') name the table codes of their inputs.
WITH f AS (
    SELECT replace(dataset, 'aggregated:', '') AS ds, source_table, snapshot_id, reference_date
    FROM core.fact_observation
    WHERE indicator_id = $indicator AND level = $level AND year = $year AND value IS NOT NULL
),
one AS (SELECT unnest(string_split(ds, ',')) AS dataset, source_table, snapshot_id, reference_date FROM f)
SELECT o.dataset, d.publisher, d.title, coalesce(d.licence, 'dl-de/by-2-0') AS licence, d.attribution,
       string_agg(DISTINCT o.source_table, ', ' ORDER BY o.source_table) AS table_code,
       string_agg(DISTINCT regexp_extract(o.snapshot_id, '[^/]+$'), ', ') AS source_files,
       min(o.reference_date) AS first_date, max(o.reference_date) AS last_date, count(*) AS n_values
FROM one o LEFT JOIN core.dim_dataset d USING (dataset)
GROUP BY ALL
ORDER BY n_values DESC
