-- Observations on one key per (ags, level, indicator, reference date):
-- 1. pick one source per key by catalogue priority (lower wins), keep the runner-up count for provenance;
-- 2. Stadtstaaten: Berlin/Hamburg are Land = Kreis = Gemeinde, so a value published at one level fills the others;
-- 3. counts missing at a level are summed from the level below when every unit below has a value
--    ("booked_elsewhere" units count as included in their host's value, which lies in the same Land);
-- 4. rates missing at a level are weighted from the level below (population of the same date, else census);
-- 5. derived rates = numerator / denominator * scale from the same reference date and level (SQL, not Python),
--    unless the publisher published the rate itself for that key;
-- 6. implied counts (kind count with numerator/denominator, e.g. labour_force_civilian = unemployed /
--    unemployment_rate × 100): only where both published figures exist for the same key and date and the rate is > 0;
--    they weight published rates in group figures (warehouse.queries.group_aggregate), nothing is filled in.
-- (rank and pick in one statement: the ranked copy of every observation is never needed on its own)
CREATE OR REPLACE TABLE intermediate.obs_base AS
SELECT ags, level, indicator_id, CAST(reference_date AS DATE) AS reference_date, value::DOUBLE AS value, flag,
       gebietsstand, harmonised, harmonisation_note, on_current_territory, dataset, source_table, snapshot_id,
       n_sources
FROM (
    SELECT o.*, d.priority,
           row_number() OVER (PARTITION BY o.ags, o.level, o.indicator_id, o.reference_date
                              ORDER BY o.on_current_territory DESC, d.priority, o.dataset) AS rnk,
           count(*) OVER (PARTITION BY o.ags, o.level, o.indicator_id, o.reference_date) AS n_sources
    FROM intermediate.obs_harmonised o
    JOIN staging.datasets d USING (dataset)
) WHERE rnk = 1;

-- 2. Stadtstaaten fill (Berlin 11 / 11000 / 11000000, Hamburg 02 / 02000 / 02000000)
CREATE OR REPLACE TABLE intermediate.obs_stadtstaat AS
WITH ss(land, kreis, gemeinde) AS (VALUES ('11', '11000', '11000000'), ('02', '02000', '02000000')),
src AS (
    SELECT o.*, ss.land, ss.kreis, ss.gemeinde,
           row_number() OVER (PARTITION BY ss.land, o.indicator_id, year(o.reference_date)
                              ORDER BY CASE o.level WHEN 'land' THEN 1 WHEN 'kreis' THEN 2 ELSE 3 END,
                                       o.reference_date DESC) AS pick
    FROM intermediate.obs_base o
    JOIN ss ON o.ags IN (ss.land, ss.kreis, ss.gemeinde)
),
targets AS (
    SELECT s.*, t.lvl, CASE t.lvl WHEN 'land' THEN s.land WHEN 'kreis' THEN s.kreis ELSE s.gemeinde END AS tags
    FROM src s, (VALUES ('land'), ('kreis'), ('gemeinde')) t(lvl) WHERE s.pick = 1
)
SELECT t.tags AS ags, t.lvl AS level, t.indicator_id, t.reference_date, t.value, t.flag, t.gebietsstand,
       t.harmonised, 'Stadtstaat: Land = Kreis = Gemeinde (Wert der Ebene ' || t.level || ')' AS harmonisation_note,
       true AS on_current_territory, t.dataset, t.source_table, t.snapshot_id, t.n_sources
FROM targets t
WHERE NOT EXISTS (SELECT 1 FROM intermediate.obs_base b
                  WHERE b.ags = t.tags AND b.level = t.lvl AND b.indicator_id = t.indicator_id
                    AND year(b.reference_date) = year(t.reference_date));

CREATE OR REPLACE VIEW intermediate.obs_published AS
SELECT * FROM intermediate.obs_base UNION ALL BY NAME SELECT * FROM intermediate.obs_stadtstaat;

-- 3./4. upward aggregation: gemeinde -> kreis -> land -> bund
CREATE OR REPLACE MACRO parent_key(ags, to_level) AS
    CASE to_level WHEN 'kreis' THEN left(ags, 5) WHEN 'land' THEN left(ags, 2) ELSE 'DG' END;

CREATE OR REPLACE TABLE intermediate.obs_agg_kreis AS
-- Kreise are unchanged since 01.07.2021 (Eisenach), so a Gemeinde key on a Gebietsstand from then on
-- belongs to the Kreis of its first five digits even where the Gemeinde itself merged later.
WITH kinds AS (SELECT id AS indicator_id, kind, weight FROM staging.indicators
               WHERE kind <> 'rate' OR weight IS NOT NULL),  -- a rate without weight is not rolled up
child AS (
    SELECT o.*, k.kind, left(o.ags, 5) AS parent
    FROM intermediate.obs_published o JOIN kinds k USING (indicator_id)
    WHERE o.level = 'gemeinde' AND left(o.ags, 5) NOT IN ('02000', '11000')
      AND (o.on_current_territory OR TRY_CAST(o.gebietsstand AS DATE) >= DATE '2021-07-01')
),
w AS (
    SELECT ags, reference_date, indicator_id, value FROM intermediate.obs_published
    WHERE level = 'gemeinde' AND indicator_id IN ('population', 'population_census2022')
),
agg AS (
    SELECT c.parent, c.indicator_id, c.reference_date, any_value(c.kind) AS kind,
           count(*) AS n_children, count(c.value) AS n_values,
           sum(c.value) AS sum_value,
           intermediate.weighted_mean(c.value, coalesce(wp.value, wc.value)) AS weighted,
           bool_or(c.value IS NOT NULL AND wp.value IS NULL AND wc.value IS NOT NULL) AS census_weighted,
           count(*) FILTER (WHERE c.value IS NOT NULL AND coalesce(wp.value, wc.value) IS NULL) AS n_unweighted,
           count(*) FILTER (WHERE c.value IS NULL AND coalesce(c.flag, '') <> 'booked_elsewhere') AS n_missing,
           string_agg(DISTINCT c.dataset, ',' ORDER BY c.dataset) AS dataset, any_value(c.source_table) AS source_table,
           any_value(c.snapshot_id) AS snapshot_id, max(c.gebietsstand) AS gebietsstand
    FROM child c
    LEFT JOIN w wp ON wp.ags = c.ags AND wp.reference_date = c.reference_date AND wp.indicator_id = 'population'
    LEFT JOIN w wc ON wc.ags = c.ags AND year(wc.reference_date) = year(c.reference_date) AND wc.indicator_id = 'population_census2022'
    GROUP BY 1, 2, 3
)
SELECT a.parent AS ags, 'kreis' AS level, a.indicator_id, a.reference_date,
       CASE WHEN a.kind = 'count' THEN a.sum_value ELSE a.weighted END AS value,
       NULL::VARCHAR AS flag, a.gebietsstand, false AS harmonised,
       CASE WHEN a.kind = 'count' THEN 'Summe aus ' || a.n_children || ' Gemeinden'
            ELSE 'gewichtet aus ' || a.n_values || ' von ' || a.n_children || ' Gemeinden (' || intermediate.weight_note(a.census_weighted) || ')' END
           AS harmonisation_note,
       true AS on_current_territory, 'aggregated:' || a.dataset AS dataset, a.source_table, a.snapshot_id, 1 AS n_sources
FROM agg a
WHERE a.parent IN (SELECT ags FROM intermediate.region WHERE level = 'kreis')
  AND ((a.kind = 'count' AND a.n_missing = 0) OR (a.kind = 'rate' AND a.n_values > 0 AND a.n_unweighted = 0))
  AND NOT EXISTS (SELECT 1 FROM intermediate.obs_published p WHERE p.level = 'kreis' AND p.ags = a.parent
                  AND p.indicator_id = a.indicator_id AND year(p.reference_date) = year(a.reference_date));

CREATE OR REPLACE VIEW intermediate.obs_kreis_all AS
SELECT * FROM intermediate.obs_published UNION ALL BY NAME SELECT * FROM intermediate.obs_agg_kreis;

CREATE OR REPLACE TABLE intermediate.obs_agg_upper AS
WITH kinds AS (SELECT id AS indicator_id, kind FROM staging.indicators
               WHERE kind <> 'rate' OR weight IS NOT NULL),  -- a rate without weight is not rolled up
kreis_child AS (
    SELECT o.*, k.kind, left(o.ags, 2) AS parent
    FROM intermediate.obs_kreis_all o JOIN kinds k USING (indicator_id)
    WHERE o.level = 'kreis' AND o.on_current_territory
),
w AS (SELECT ags, level, reference_date, indicator_id, value FROM intermediate.obs_kreis_all
      WHERE indicator_id IN ('population', 'population_census2022')),
exp_kreis AS (SELECT land_ags AS parent, count(*) AS n_expected FROM intermediate.region WHERE level = 'kreis' GROUP BY 1),
agg_land AS (
    SELECT c.parent, c.indicator_id, c.reference_date, any_value(c.kind) AS kind, count(*) AS n_children,
           count(c.value) AS n_values, sum(c.value) AS sum_value,
           intermediate.weighted_mean(c.value, coalesce(wp.value, wc.value)) AS weighted,
           bool_or(c.value IS NOT NULL AND wp.value IS NULL AND wc.value IS NOT NULL) AS census_weighted,
           count(*) FILTER (WHERE c.value IS NULL AND coalesce(c.flag, '') <> 'booked_elsewhere') AS n_missing,
           string_agg(DISTINCT c.dataset, ',' ORDER BY c.dataset) AS dataset, any_value(c.source_table) AS source_table,
           any_value(c.snapshot_id) AS snapshot_id, any_value(c.gebietsstand) AS gebietsstand
    FROM kreis_child c
    LEFT JOIN w wp ON wp.ags = c.ags AND wp.level = 'kreis' AND wp.reference_date = c.reference_date AND wp.indicator_id = 'population'
    LEFT JOIN w wc ON wc.ags = c.ags AND wc.level = 'kreis' AND year(wc.reference_date) = year(c.reference_date) AND wc.indicator_id = 'population_census2022'
    GROUP BY 1, 2, 3
)
SELECT a.parent AS ags, 'land' AS level, a.indicator_id, a.reference_date,
       CASE WHEN a.kind = 'count' THEN a.sum_value ELSE a.weighted END AS value,
       NULL::VARCHAR AS flag,
       a.gebietsstand, false AS harmonised,
       CASE WHEN a.kind = 'count' THEN 'Summe aus ' || a.n_children || ' Kreisen'
            ELSE 'gewichtet aus ' || a.n_values || ' Kreisen (' || intermediate.weight_note(a.census_weighted) || ')' END AS harmonisation_note,
       true AS on_current_territory, 'aggregated:' || a.dataset AS dataset, a.source_table, a.snapshot_id, 1 AS n_sources
FROM agg_land a JOIN exp_kreis e USING (parent)
WHERE ((a.kind = 'count' AND a.n_missing = 0 AND a.n_children >= e.n_expected)
       OR (a.kind = 'rate' AND a.n_values = e.n_expected AND a.weighted IS NOT NULL))
  AND NOT EXISTS (SELECT 1 FROM intermediate.obs_kreis_all p WHERE p.level = 'land' AND p.ags = a.parent
                  AND p.indicator_id = a.indicator_id AND year(p.reference_date) = year(a.reference_date));

CREATE OR REPLACE VIEW intermediate.obs_land_all AS
SELECT * FROM intermediate.obs_kreis_all UNION ALL BY NAME SELECT * FROM intermediate.obs_agg_upper;

CREATE OR REPLACE TABLE intermediate.obs_agg_bund AS
WITH kinds AS (SELECT id AS indicator_id, kind FROM staging.indicators
               WHERE kind <> 'rate' OR weight IS NOT NULL),  -- a rate without weight is not rolled up
c AS (SELECT o.*, k.kind FROM intermediate.obs_land_all o JOIN kinds k USING (indicator_id) WHERE o.level = 'land'),
w AS (SELECT ags, reference_date, indicator_id, value FROM intermediate.obs_land_all
      WHERE level = 'land' AND indicator_id IN ('population', 'population_census2022')),
agg AS (
    SELECT c.indicator_id, c.reference_date, any_value(c.kind) AS kind, count(*) AS n_children, count(c.value) AS n_values,
           sum(c.value) AS sum_value,
           intermediate.weighted_mean(c.value, coalesce(wp.value, wc.value)) AS weighted,
           bool_or(c.value IS NOT NULL AND wp.value IS NULL AND wc.value IS NOT NULL) AS census_weighted,
           string_agg(DISTINCT c.dataset, ',' ORDER BY c.dataset) AS dataset, any_value(c.source_table) AS source_table,
           any_value(c.snapshot_id) AS snapshot_id, any_value(c.gebietsstand) AS gebietsstand
    FROM c
    LEFT JOIN w wp ON wp.ags = c.ags AND wp.reference_date = c.reference_date AND wp.indicator_id = 'population'
    LEFT JOIN w wc ON wc.ags = c.ags AND year(wc.reference_date) = year(c.reference_date) AND wc.indicator_id = 'population_census2022'
    GROUP BY 1, 2
)
SELECT 'DG' AS ags, 'bund' AS level, a.indicator_id, a.reference_date,
       CASE a.kind WHEN 'count' THEN a.sum_value ELSE a.weighted END AS value,
       NULL::VARCHAR AS flag, a.gebietsstand, false AS harmonised,
       CASE WHEN a.kind = 'count' THEN 'Summe der 16 Länder' ELSE 'gewichtet aus 16 Ländern (' || intermediate.weight_note(a.census_weighted) || ')' END AS harmonisation_note,
       true AS on_current_territory, 'aggregated:' || a.dataset AS dataset, a.source_table, a.snapshot_id, 1 AS n_sources
FROM agg a
WHERE a.kind IN ('count', 'rate') AND a.n_values = 16 AND (a.kind = 'count' OR a.weighted IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM intermediate.obs_land_all p WHERE p.level = 'bund'
                  AND p.indicator_id = a.indicator_id AND year(p.reference_date) = year(a.reference_date));

CREATE OR REPLACE VIEW intermediate.obs_counts_all AS
SELECT * FROM intermediate.obs_land_all UNION ALL BY NAME SELECT * FROM intermediate.obs_agg_bund;

-- 5. derived rates
CREATE OR REPLACE TABLE intermediate.obs_derived AS
WITH d AS (SELECT id AS indicator_id, numerator, denominator, scale FROM staging.indicators WHERE kind = 'derived')
SELECT n.ags, n.level, d.indicator_id, n.reference_date,
       CASE WHEN n.flag IN ('booked_elsewhere', 'includes_other_kreise') THEN NULL
            WHEN n.value IS NULL OR den.value IS NULL OR den.value = 0 THEN NULL
            ELSE n.value / den.value * d.scale END AS value,
       CASE WHEN n.flag IN ('booked_elsewhere', 'includes_other_kreise') THEN n.flag
            WHEN n.value IS NULL THEN coalesce(n.flag, '.')
            WHEN den.value IS NULL THEN coalesce(den.flag, '.')
            WHEN n.flag = '-' AND den.value > 0 THEN NULL
            ELSE NULL END AS flag,
       n.gebietsstand, n.harmonised OR coalesce(den.harmonised, false) AS harmonised,
       d.numerator || ' / ' || d.denominator || ' × ' || CAST(d.scale AS INTEGER) || ' (gleicher Stichtag)' AS harmonisation_note,
       n.on_current_territory, 'derived' AS dataset, n.source_table || ' / ' || coalesce(den.source_table, '?') AS source_table,
       n.snapshot_id, 1 AS n_sources
FROM d
JOIN intermediate.obs_counts_all n ON n.indicator_id = d.numerator
LEFT JOIN intermediate.obs_counts_all den ON den.indicator_id = d.denominator AND den.ags = n.ags
     AND den.level = n.level AND den.reference_date = n.reference_date
-- a value the publisher published for a derived indicator wins over the computed one (Hamburg's migration-
-- background share refers to a base the source does not give, so it is taken as published)
WHERE NOT EXISTS (SELECT 1 FROM intermediate.obs_counts_all p WHERE p.indicator_id = d.indicator_id
                  AND p.ags = n.ags AND p.level = n.level AND p.reference_date = n.reference_date);

-- 6. implied counts
CREATE OR REPLACE TABLE intermediate.obs_implied AS
WITH d AS (SELECT id AS indicator_id, numerator, denominator, scale FROM staging.indicators
           WHERE kind = 'count' AND numerator IS NOT NULL AND denominator IS NOT NULL)
SELECT n.ags, n.level, d.indicator_id, n.reference_date, n.value / r.value * d.scale AS value, NULL::VARCHAR AS flag,
       n.gebietsstand, n.harmonised OR coalesce(r.harmonised, false) AS harmonised,
       d.numerator || ' / ' || d.denominator || ' × ' || CAST(d.scale AS INTEGER)
           || ' (aus veröffentlichten Zahlen, gleicher Stichtag; Quote gerundet)' AS harmonisation_note,
       n.on_current_territory, 'derived' AS dataset, n.source_table || ' / ' || r.source_table AS source_table,
       n.snapshot_id, 1 AS n_sources
FROM d
JOIN intermediate.obs_counts_all n ON n.indicator_id = d.numerator
JOIN intermediate.obs_counts_all r ON r.indicator_id = d.denominator AND r.ags = n.ags AND r.level = n.level
     AND r.reference_date = n.reference_date
WHERE n.value IS NOT NULL AND r.value > 0
  AND NOT EXISTS (SELECT 1 FROM intermediate.obs_counts_all p WHERE p.indicator_id = d.indicator_id
                  AND p.ags = n.ags AND p.level = n.level AND p.reference_date = n.reference_date);

CREATE OR REPLACE TABLE core.fact_observation AS
SELECT o.ags, o.level, o.indicator_id, o.reference_date, year(o.reference_date) AS year, o.value, o.flag,
       o.gebietsstand, coalesce(o.harmonised, false) AS harmonised, o.harmonisation_note,
       coalesce(o.on_current_territory, false) AS on_current_territory,
       CASE WHEN o.indicator_id = 'population' THEN
            CASE WHEN o.reference_date < DATE '2011-05-09' THEN 'vor Zensus 2011'
                 WHEN o.dataset LIKE '%destatis_gv_auszug%' THEN 'Zensus 2011'
                 WHEN o.reference_date >= DATE '2022-05-15' THEN 'Zensus 2022'
                 ELSE 'Zensus 2011' END END AS census_basis,
       o.dataset, o.source_table, o.snapshot_id, o.n_sources
FROM (SELECT * FROM intermediate.obs_counts_all UNION ALL BY NAME SELECT * FROM intermediate.obs_derived
      UNION ALL BY NAME SELECT * FROM intermediate.obs_implied) o
ORDER BY o.indicator_id, o.level, o.ags, o.reference_date;
