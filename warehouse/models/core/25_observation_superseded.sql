-- Provenance of vintages: every value an older publication of the same dataset reported for a key and date
-- that a newer publication also reports, next to the value that won. `differs` marks real revisions.
CREATE OR REPLACE TABLE core.observation_superseded AS
SELECT o.dataset, o.ags, o.level, o.indicator_id, CAST(o.reference_date AS DATE) AS reference_date, o.gebietsstand,
       o.value::DOUBLE AS value, o.flag, o.source_table, o.source_file, o.published, o.snapshot_id,
       w.value::DOUBLE AS winning_value, w.flag AS winning_flag, w.source_file AS winning_source_file,
       w.published AS winning_published,
       (o.value IS DISTINCT FROM w.value OR o.flag IS DISTINCT FROM w.flag) AS differs
FROM intermediate.obs_vintage_ranked o
JOIN intermediate.obs_vintage_ranked w
  ON w.vintage_rank = 1 AND w.dataset = o.dataset AND w.ags = o.ags AND w.level = o.level
 AND w.indicator_id = o.indicator_id AND w.reference_date = o.reference_date AND w.gebietsstand = o.gebietsstand
WHERE o.vintage_rank > 1;
