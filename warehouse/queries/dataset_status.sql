-- Per dataset, for the steward console (/status): publisher, table codes, when its inputs were fetched
-- (or that they come from the read-only mirror), the reference dates its observations hold, the latest
-- one, when the dataset was last rebuilt and how many observations it has in the core fact table.
SELECT d.dataset,
       c.title, c.publisher, c.table_codes, c.reference_dates AS catalogue_reference_dates,
       d.built_at,
       s.fetched_at AS last_fetched, s.origin, s.files,
       f.n_dates, f.first_reference_date, f.latest_reference_date, f.reference_dates,
       coalesce(f.rows, 0) AS observations
FROM meta.dataset_state d
LEFT JOIN staging.datasets c USING (dataset)
LEFT JOIN (SELECT dataset, max(fetched_at) AS fetched_at, string_agg(DISTINCT origin, ', ' ORDER BY origin) AS origin,
                  count(*) AS files
           FROM meta.snapshot GROUP BY 1) s USING (dataset)
LEFT JOIN (SELECT dataset, count(DISTINCT reference_date) AS n_dates, min(reference_date) AS first_reference_date,
                  max(reference_date) AS latest_reference_date,
                  list(DISTINCT strftime(reference_date, '%Y-%m-%d') ORDER BY strftime(reference_date, '%Y-%m-%d')) AS reference_dates,
                  count(*) AS rows
           FROM core.fact_observation GROUP BY 1) f USING (dataset)
ORDER BY d.dataset
