-- Every step observation, with its key moved to the current territory where official keys allow it.
-- Kreise with a Gebietsstand before 01.07.2021 (Eisenach's merger): BBSR Umsteigeschlüssel of that state → 2021 Kreise.
--   The sheet is the latest 31.12. state at or before the observation's Gebietsstand that lists all Kreise of the
--   Land in that column (else the earliest one after it; else per key): for plain series that is the reference
--   year; values a publisher back-calculated on a later territory carry that territory's Gebietsstand.
--   counts: Σ value × weight_pop; rates: population-weighted mean (weight_pop × population of the source unit,
--   BBSR's figure, else the published population of the same key and date).
-- Gemeinden with a Gebietsstand from 31.12.2020: crosswalk_gemeinde → 30.11.2025 (counts; rates only 1:1).
-- A target is computed only when every part with a positive weight is present; a NULL part makes the result NULL
-- with that part's flag. Whatever cannot be converted keeps its key and Gebietsstand (on_current_territory =
-- false) and is listed in crosswalk_unresolved: nothing is dropped, nothing guessed.
-- obs_input is a view: obs_id is the row's position in obs_vintage_ranked (stable, that table is never modified);
-- each model below reads only the columns it needs instead of a second 800k-row copy of every column.
CREATE OR REPLACE VIEW intermediate.obs_input AS
SELECT o.* EXCLUDE (vintage_rank, n_vintages), o.rowid AS obs_id, coalesce(k.kind, 'rate') AS kind,
       TRY_CAST(o.gebietsstand AS DATE) AS gs
FROM intermediate.obs_vintage_ranked o
LEFT JOIN staging.indicator_kind k USING (indicator_id)
WHERE o.vintage_rank = 1;

-- Routes: Kreis rows before 01.07.2021 (or without a readable Gebietsstand) → BBSR sheets; Gemeinde rows from
-- 31.12.2020 → Gemeinde crosswalk; everything else passes. Each branch joins only its own rows.
CREATE OR REPLACE TABLE intermediate.obs_route AS
WITH kall AS (
    SELECT obs_id, dataset, indicator_id, reference_date, gebietsstand, gs, left(ags, 2) AS land, ags
    FROM intermediate.obs_input WHERE level = 'kreis' AND (gs IS NULL OR gs < DATE '2021-07-01')
),
kin AS (SELECT * FROM kall WHERE gs IS NOT NULL),
kreis_sheets AS (SELECT DISTINCT from_year, from_ags FROM intermediate.crosswalk_kreis),
-- one sheet for all Kreise of a Land in one published column (dataset, indicator, date, Gebietsstand), where a
-- sheet lists them all: publishers sometimes show a later territory under an earlier date (Thüringen 1995/96
-- already with Eisenach 16056, kreisfrei only from 1998); mixing sheets would then drop or double a part
batch AS (
    SELECT dataset, indicator_id, reference_date, gebietsstand, land, any_value(gs) AS gs, count(DISTINCT ags) AS n_keys
    FROM kin GROUP BY ALL
),
batch_match AS (
    SELECT k.dataset, k.indicator_id, k.reference_date, k.gebietsstand, k.land, s.from_year, count(DISTINCT k.ags) AS n_found
    FROM kin k JOIN kreis_sheets s ON s.from_ags = k.ags GROUP BY ALL
),
batch_anchor AS (
    SELECT b.dataset, b.indicator_id, b.reference_date, b.gebietsstand, b.land,
           coalesce(max(m.from_year) FILTER (WHERE make_date(m.from_year, 12, 31) <= b.gs),
                    min(m.from_year) FILTER (WHERE make_date(m.from_year, 12, 31) > b.gs)) AS from_year
    FROM batch b JOIN batch_match m USING (dataset, indicator_id, reference_date, gebietsstand, land)
    WHERE m.n_found = b.n_keys
    GROUP BY ALL
),
-- anchors depend on (key, Gebietsstand) only: computed once per distinct pair, not per observation
-- (the Deutschlandatlas alone brings ~570k Gemeinde observations on a few thousand key states)
kreis_anchor_key AS (
    SELECT o.ags, o.gs,
           coalesce(max(c.from_year) FILTER (WHERE make_date(c.from_year, 12, 31) <= o.gs),
                    min(c.from_year) FILTER (WHERE make_date(c.from_year, 12, 31) > o.gs)) AS from_year
    FROM (SELECT DISTINCT ags, gs FROM kin) o
    JOIN kreis_sheets c ON c.from_ags = o.ags
    GROUP BY o.ags, o.gs
),
gin AS (
    SELECT obs_id, ags, gs FROM intermediate.obs_input
    WHERE level = 'gemeinde' AND gs >= DATE '2020-12-31' AND gs < DATE '2025-11-30'
),
gem_anchor_key AS (
    SELECT o.ags, o.gs,
           coalesce(max(c.from_gebietsstand) FILTER (WHERE c.from_gebietsstand <= o.gs),
                    min(c.from_gebietsstand) FILTER (WHERE c.from_gebietsstand > o.gs)) AS from_gs
    FROM (SELECT DISTINCT ags, gs FROM gin) o
    JOIN (SELECT DISTINCT from_gebietsstand, from_ags FROM intermediate.crosswalk_gemeinde) c ON c.from_ags = o.ags
    GROUP BY o.ags, o.gs
)
SELECT k.obs_id, 'kreis' AS route, coalesce(ba.from_year, ka.from_year) AS from_year, NULL::DATE AS from_gs
FROM kall k
LEFT JOIN kreis_anchor_key ka ON ka.ags = k.ags AND ka.gs = k.gs
LEFT JOIN batch_anchor ba ON ba.dataset = k.dataset AND ba.indicator_id = k.indicator_id
     AND ba.reference_date = k.reference_date AND ba.gebietsstand = k.gebietsstand AND ba.land = k.land
UNION ALL
SELECT g.obs_id, 'gemeinde', NULL, ga.from_gs
FROM gin g LEFT JOIN gem_anchor_key ga ON ga.ags = g.ags AND ga.gs = g.gs
UNION ALL
SELECT obs_id, 'pass', NULL, NULL FROM intermediate.obs_input
WHERE NOT (level = 'kreis' AND (gs IS NULL OR gs < DATE '2021-07-01'))
  AND NOT coalesce(level = 'gemeinde' AND gs >= DATE '2020-12-31' AND gs < DATE '2025-11-30', false);

-- One row per (source observation, target part): Kreise and Gemeinden in the same shape.
CREATE OR REPLACE TABLE intermediate.obs_parts AS
WITH pop AS (  -- published population of the same key and date: weight where BBSR has none
    SELECT ags, reference_date, max(value) AS value FROM intermediate.obs_input
    WHERE level = 'kreis' AND indicator_id = 'population' GROUP BY ALL
)
SELECT o.obs_id, o.dataset, o.level, o.indicator_id, o.reference_date, o.kind, o.ags AS from_ags, o.value, o.flag,
       o.source_table, o.source_file, o.snapshot_id,
       'kreis' AS route, r.from_year::VARCHAR AS anchor, make_date(r.from_year, 12, 31) AS anchor_date, c.to_ags, c.weight_pop, c.changed,
       coalesce(c.from_population, p.value) AS unit_population, c.source, NULL::VARCHAR AS note,
       '2021-12-31' AS to_gebietsstand
FROM intermediate.obs_input o
JOIN intermediate.obs_route r USING (obs_id)
JOIN intermediate.crosswalk_kreis c ON r.route = 'kreis' AND c.from_year = r.from_year AND c.from_ags = o.ags
LEFT JOIN pop p ON p.ags = o.ags AND p.reference_date = o.reference_date
UNION ALL
SELECT o.obs_id, o.dataset, o.level, o.indicator_id, o.reference_date, o.kind, o.ags, o.value, o.flag,
       o.source_table, o.source_file, o.snapshot_id,
       'gemeinde', strftime(r.from_gs, '%d.%m.%Y'), r.from_gs, c.to_ags, c.weight_pop, c.changed,
       NULL, c.source, c.note, '2025-11-30'
FROM intermediate.obs_input o
JOIN intermediate.obs_route r USING (obs_id)
JOIN intermediate.crosswalk_gemeinde c ON r.route = 'gemeinde' AND c.from_gebietsstand = r.from_gs AND c.from_ags = o.ags;

-- Targets per batch (dataset, indicator, date, crosswalk state): complete ones only.
CREATE OR REPLACE TABLE intermediate.obs_targets AS
WITH required AS (
    SELECT 'kreis' AS route, from_year::VARCHAR AS anchor, to_ags,
           count(*) FILTER (WHERE weight_pop > 0) AS n_required, bool_or(changed) AS changed
    FROM intermediate.crosswalk_kreis GROUP BY ALL
    UNION ALL
    SELECT 'gemeinde', strftime(from_gebietsstand, '%d.%m.%Y'), to_ags,
           count(*) FILTER (WHERE weight_pop > 0), bool_or(changed)
    FROM intermediate.crosswalk_gemeinde GROUP BY ALL
),
grp AS (  -- how many parts each target of a batch has: most have one (key unchanged), no aggregation needed
    SELECT p.*, count(*) OVER (PARTITION BY p.route, p.anchor, p.dataset, p.level, p.indicator_id,
                                            p.reference_date, p.to_ags) AS n_parts
    FROM intermediate.obs_parts p
),
single AS (  -- the same columns as `multi`, for a group of exactly one part (what the aggregates give for one row)
    SELECT p.route, p.anchor, p.dataset, p.level, p.indicator_id, p.reference_date, p.to_ags,
           p.anchor_date, p.kind, p.to_gebietsstand,
           (p.weight_pop > 0)::BIGINT AS n_present,
           (p.weight_pop > 0 AND p.value IS NULL)::BIGINT AS n_null,
           CASE WHEN p.weight_pop > 0 AND p.value IS NULL THEN p.flag END AS null_flag,
           CASE WHEN p.weight_pop > 0 THEN coalesce(p.flag, '') = '-' END AS all_dash,
           CASE WHEN p.weight_pop > 0 AND p.flag IN ('e', 'p', 'r', 's') THEN p.flag END AS quality_flag,
           CASE WHEN p.weight_pop > 0 THEN p.value * p.weight_pop END AS sum_value,
           CASE WHEN p.weight_pop > 0 THEN (p.value * p.weight_pop * p.unit_population)
                / nullif(p.weight_pop * p.unit_population, 0) END AS weighted,
           (p.weight_pop > 0 AND p.unit_population IS NULL)::BIGINT AS n_unweighted,
           p.from_ags || CASE WHEN abs(p.weight_pop - 1) > 1e-9 THEN '×' || round(p.weight_pop, 4) ELSE '' END AS parts,
           p.from_ags AS original_ags, p.source_table, p.source_file, p.snapshot_id,
           CASE WHEN p.source <> 'unverändert' THEN p.source END AS source, p.note, [p.obs_id] AS obs_ids
    FROM grp p WHERE p.n_parts = 1
),
multi AS (
    SELECT p.route, p.anchor, p.dataset, p.level, p.indicator_id, p.reference_date, p.to_ags,
           any_value(p.anchor_date) AS anchor_date, any_value(p.kind) AS kind, any_value(p.to_gebietsstand) AS to_gebietsstand,
           count(*) FILTER (WHERE p.weight_pop > 0) AS n_present,
           count(*) FILTER (WHERE p.weight_pop > 0 AND p.value IS NULL) AS n_null,
           arg_min(p.flag, p.from_ags) FILTER (WHERE p.weight_pop > 0 AND p.value IS NULL) AS null_flag,
           bool_and(coalesce(p.flag, '') = '-') FILTER (WHERE p.weight_pop > 0) AS all_dash,
           max(p.flag) FILTER (WHERE p.weight_pop > 0 AND p.flag IN ('e', 'p', 'r', 's')) AS quality_flag,
           sum(p.value * p.weight_pop) FILTER (WHERE p.weight_pop > 0) AS sum_value,
           sum(p.value * p.weight_pop * p.unit_population) FILTER (WHERE p.weight_pop > 0)
               / nullif(sum(p.weight_pop * p.unit_population) FILTER (WHERE p.weight_pop > 0), 0) AS weighted,
           count(*) FILTER (WHERE p.weight_pop > 0 AND p.unit_population IS NULL) AS n_unweighted,
           string_agg(p.from_ags || CASE WHEN abs(p.weight_pop - 1) > 1e-9 THEN '×' || round(p.weight_pop, 4) ELSE '' END,
                      '+' ORDER BY p.from_ags) AS parts,
           string_agg(DISTINCT p.from_ags, '+' ORDER BY p.from_ags) AS original_ags,
           string_agg(DISTINCT p.source_table, ', ') AS source_table, min(p.source_file) AS source_file,
           min(p.snapshot_id) AS snapshot_id,
           string_agg(DISTINCT p.source, ', ' ORDER BY p.source) FILTER (WHERE p.source <> 'unverändert') AS source,
           string_agg(DISTINCT p.note, '; ') AS note, list(DISTINCT p.obs_id) AS obs_ids
    FROM grp p WHERE p.n_parts > 1
    GROUP BY p.route, p.anchor, p.dataset, p.level, p.indicator_id, p.reference_date, p.to_ags
),
agg AS (SELECT * FROM single UNION ALL BY NAME SELECT * FROM multi),
flagged AS (
    SELECT a.*, q.changed, q.n_required,
           a.n_present = q.n_required
             AND (a.kind = 'count' OR NOT q.changed OR (a.route = 'kreis' AND (a.n_null > 0 OR a.n_unweighted = 0)))
             AS computable
    FROM agg a JOIN required q USING (route, anchor, to_ags)
)
-- several states of one dataset can reach the same target (old keys and values back-calculated on a later
-- territory): the latest state wins, the others stay on their own key
SELECT f.*, row_number() OVER (PARTITION BY f.dataset, f.level, f.indicator_id, f.reference_date, f.to_ags, f.computable
                               ORDER BY f.anchor_date DESC) AS state_rank
FROM flagged f;

CREATE OR REPLACE TABLE intermediate.obs_converted AS
SELECT t.to_ags AS ags, t.level, t.indicator_id, t.reference_date,
       CASE WHEN t.n_null > 0 THEN NULL
            WHEN t.kind = 'count' THEN t.sum_value
            WHEN NOT t.changed THEN t.sum_value  -- 1:1: weight 1, the value itself
            ELSE t.weighted END AS value,
       CASE WHEN t.n_null > 0 THEN t.null_flag WHEN t.all_dash THEN '-' ELSE t.quality_flag END AS flag,
       t.to_gebietsstand AS gebietsstand, t.source_table, t.source_file, t.dataset, t.snapshot_id,
       t.original_ags, t.changed AS harmonised,
       CASE WHEN t.changed AND t.route = 'kreis' THEN
                'BBSR Umsteigeschlüssel ' || t.anchor || '→2021 ('
                || CASE WHEN t.kind = 'count' THEN 'bevölkerungsproportional' ELSE 'bevölkerungsgewichteter Mittelwert' END
                || '): ' || t.parts
            WHEN t.changed THEN
                'Umsteigeschlüssel Gemeinden ' || t.anchor || '→30.11.2025 (bevölkerungsproportional'
                || coalesce('; ' || t.source, '') || '): ' || t.parts || coalesce('; ' || t.note, '')
            WHEN t.original_ags <> t.to_ags THEN 'Schlüsseländerung ' || t.original_ags || ' → ' || t.to_ags
                || coalesce(' (' || t.note || ')', '')
            ELSE t.note END AS harmonisation_note,
       true AS on_current_territory, t.obs_ids
FROM intermediate.obs_targets t
WHERE t.computable AND t.state_rank = 1;

CREATE OR REPLACE TABLE intermediate.obs_harmonised AS
WITH used AS (SELECT DISTINCT unnest(obs_ids) AS obs_id FROM intermediate.obs_converted),
with_key AS (SELECT DISTINCT obs_id FROM intermediate.obs_parts),
leftover AS (
    SELECT o.*, r.route, r.from_year, r.from_gs, k.obs_id IS NOT NULL AS has_key
    FROM intermediate.obs_input o JOIN intermediate.obs_route r USING (obs_id)
    LEFT JOIN used u ON u.obs_id = o.obs_id
    LEFT JOIN with_key k ON k.obs_id = o.obs_id
    WHERE u.obs_id IS NULL
),
changed_since_2020 AS (  -- Gemeinde keys whose territory is known to have changed since 31.12.2020
    SELECT from_ags AS ags FROM intermediate.crosswalk_gemeinde
    WHERE from_gebietsstand = DATE '2020-12-31' AND changed
)
SELECT c.ags, c.level, c.indicator_id, c.reference_date, c.value, c.flag, c.gebietsstand, c.source_table,
       c.source_file, c.dataset, c.snapshot_id, c.original_ags, c.harmonised, c.harmonisation_note,
       c.on_current_territory AND c.ags IN (SELECT ags FROM intermediate.region) AS on_current_territory
FROM intermediate.obs_converted c
UNION ALL BY NAME
SELECT l.ags, l.level, l.indicator_id, l.reference_date, l.value, l.flag, l.gebietsstand, l.source_table,
       l.source_file, l.dataset, l.snapshot_id, l.ags AS original_ags, false AS harmonised,
       CASE WHEN l.route = 'pass' AND l.level = 'gemeinde' AND l.gs < DATE '2020-12-31' THEN
                'Gebietsstand vor 31.12.2020: keine amtlichen Umsteigeschlüssel im Bestand, Schlüssel unverändert'
                || CASE WHEN l.ags IN (SELECT ags FROM changed_since_2020) THEN '; Gebiet seit 31.12.2020 verändert' ELSE '' END
            WHEN l.route = 'pass' THEN NULL
            WHEN NOT l.has_key THEN 'nicht umgerechnet: Schlüssel nicht im Umsteigeschlüssel ('
                 || CASE l.route WHEN 'kreis' THEN 'Kreise 1990–2020' ELSE 'Gemeinden ab 31.12.2020' END || ')'
            WHEN l.route = 'gemeinde' AND l.kind <> 'count' THEN
                 'nicht umgerechnet: Quote auf verändertem Gebiet (nur 1:1 umrechenbar), eigener Gebietsstand'
            ELSE 'nicht umgerechnet: Teilgebiete des Zielgebiets fehlen im Datensatz oder ohne Gewicht, '
                 || 'oder Wert liegt auf späterem Gebietsstand vor' END AS harmonisation_note,
       CASE WHEN l.route = 'pass' THEN l.ags IN (SELECT ags FROM intermediate.region)
                AND NOT (l.level = 'gemeinde' AND l.gs < DATE '2020-12-31' AND l.ags IN (SELECT ags FROM changed_since_2020))
            ELSE false END AS on_current_territory
FROM leftover l;

-- Keys of observations that no crosswalk knows (reported, never guessed).
INSERT INTO intermediate.crosswalk_unresolved
SELECT o.level, min(o.gs), o.ags,
       'Beobachtungsschlüssel nicht im Umsteigeschlüssel (' || string_agg(DISTINCT o.dataset, ', ') || ')'
FROM intermediate.obs_input o JOIN intermediate.obs_route r USING (obs_id)
WHERE r.route IN ('kreis', 'gemeinde') AND NOT EXISTS (SELECT 1 FROM intermediate.obs_parts p WHERE p.obs_id = o.obs_id)
GROUP BY o.level, o.ags;
