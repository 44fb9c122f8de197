-- Vintages: one official table may arrive in several files (retrievals/editions) that report the same key and
-- date. Within a dataset the newer publication (`published` of the catalogue file item) wins; the older values
-- are not dropped silently but kept in core.observation_superseded (built from this table) as provenance.
CREATE OR REPLACE TABLE intermediate.obs_vintage_ranked AS
SELECT o.*,
       row_number() OVER (PARTITION BY o.dataset, o.ags, o.level, o.indicator_id, o.reference_date, o.gebietsstand
                          ORDER BY o.published DESC NULLS LAST, o.source_file DESC) AS vintage_rank,
       count(*) OVER (PARTITION BY o.dataset, o.ags, o.level, o.indicator_id, o.reference_date, o.gebietsstand)
           AS n_vintages
FROM staging.observations_all o;

CREATE OR REPLACE VIEW intermediate.obs_latest AS  -- (kept for readers; the models read obs_input)
SELECT * EXCLUDE (vintage_rank, n_vintages) FROM intermediate.obs_vintage_ranked WHERE vintage_rank = 1;
