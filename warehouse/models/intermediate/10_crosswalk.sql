-- Crosswalks from older Gebietsstände to the current territory.
-- Kreise: the BBSR Umsteigeschlüssel (every Gebietsstand 31.12.1990 … 31.12.2020 → the 400 Kreise of 31.12.2021;
--   Kreis keys are unchanged since 01.07.2021, so the 2021 Kreise are the current ones).
-- Gemeinden: BBSR steps 31.12.2020 → 2021 → 2022 → 2023, then the Destatis change records 2024 and 01–02/2025,
--   composed into one mapping from every start Gebietsstand to 30.11.2025. Changes 03–11/2025 are not in the
--   store: keys that still do not match the GV100AD 30.11.2025 are listed in crosswalk_unresolved, never guessed.
-- Weights are population weights (value × weight_pop for counts); `changed` = the unit is not a 1:1 identity
-- of its target's territory (a merger, a split, or the target receives from several units).

CREATE OR REPLACE TABLE intermediate.crosswalk_kreis AS
WITH k AS (
    SELECT from_year::INT AS from_year, from_ags, to_ags, weight_pop::DOUBLE AS weight_pop,
           weight_area::DOUBLE AS weight_area, population::DOUBLE AS part_population
    FROM staging.bbsr_kreis_keys_2021
),
unit AS (  -- the BBSR population column is per row (part of a split unit); the unit's population is their sum
    SELECT from_year, from_ags, count(*) AS n_parts,
           CASE WHEN bool_and(part_population IS NOT NULL) THEN sum(part_population) END AS from_population
    FROM k GROUP BY ALL
),
tgt AS (SELECT from_year, to_ags, count(*) AS n_sources FROM k GROUP BY ALL)
SELECT k.from_year, k.from_ags, k.to_ags, k.weight_pop, k.weight_area,
       NOT (u.n_parts = 1 AND t.n_sources = 1 AND abs(k.weight_pop - 1) < 1e-9 AND abs(k.weight_area - 1) < 1e-9)
           AS changed,
       u.from_population,
       make_date(k.from_year, 12, 31) AS from_gebietsstand, DATE '2021-12-31' AS to_gebietsstand,
       'BBSR Umsteigeschlüssel Kreise ' || k.from_year || '→2021' AS source
FROM k JOIN unit u USING (from_year, from_ags) JOIN tgt t USING (from_year, to_ags)
ORDER BY 1, 2, 3;

-- One step per territorial state: BBSR sheets, then one step per Destatis file period after the last BBSR state.
CREATE OR REPLACE TABLE intermediate.gemeinde_key_steps AS
WITH b AS (
    SELECT CAST(from_gebietsstand AS DATE) AS from_gs, CAST(to_gebietsstand AS DATE) AS to_gs, from_ags, to_ags,
           weight_pop::DOUBLE AS wp, weight_area::DOUBLE AS wa
    FROM staging.bbsr_gemeinde_keys
),
bsum AS (SELECT from_gs, from_ags, sum(wp) AS s FROM b GROUP BY ALL),
bbsr AS (
    SELECT b.from_gs, b.to_gs, b.from_ags, b.to_ags,
           -- an uninhabited unit split in parts gets population weight 1 on every part: use the area weights
           CASE WHEN abs(s.s - 1) > 0.01 THEN b.wa ELSE b.wp END AS weight_pop,
           'BBSR ' || year(b.from_gs) || '→' || year(b.to_gs) AS source,
           CASE WHEN abs(s.s - 1) > 0.01 THEN b.from_ags || ': Flächenschlüssel (Bevölkerungsschlüssel ergibt '
                || s.s || ')' END AS note
    FROM b JOIN bsum s USING (from_gs, from_ags)
),
last_bbsr AS (SELECT max(to_gs) AS gs FROM b),
rec AS (
    SELECT g.*, CAST(g.period_start AS DATE) - INTERVAL 1 DAY AS from_gs, CAST(g.period_end AS DATE) AS to_gs,
           string_split(replace(g.change_type, ' ', ''), ',') AS codes
    FROM staging.gebietsaenderungen g
    WHERE g.regionaleinheit = 'Gemeinde' AND CAST(g.period_start AS DATE) > (SELECT gs FROM last_bbsr)
),
dissolved AS (  -- Auflösung (whole unit, possibly in several parts): shares of the parts' inhabitants (area if none)
    SELECT r.*, sum(r.population) OVER w AS pop_total, sum(r.area_sqm) OVER w AS area_total
    FROM rec r WHERE list_contains(r.codes, '1')
    WINDOW w AS (PARTITION BY r.from_gs, r.from_ags)
),
destatis AS (
    SELECT from_gs::DATE AS from_gs, to_gs, from_ags, to_ags,
           CASE WHEN pop_total > 0 THEN population / pop_total ELSE area_sqm / nullif(area_total, 0) END AS weight_pop,
           'Destatis Gebietsänderungen ' || kennziffer AS source, NULL AS note
    FROM dissolved
    UNION ALL  -- Schlüsseländerung: the unit continues under the new key
    SELECT from_gs::DATE, to_gs, from_ags, to_ags, 1.0, 'Destatis Gebietsänderungen ' || kennziffer,
           CASE WHEN from_ags <> to_ags THEN 'Schlüsseländerung ' || from_ags || ' → ' || to_ags END
    FROM rec WHERE list_contains(codes, '3') AND NOT list_contains(codes, '1')
    UNION ALL  -- Teilausgliederung: a border change of a few inhabitants; the key is kept
    SELECT from_gs::DATE, any_value(to_gs), from_ags, from_ags, 1.0, 'Destatis Gebietsänderungen ' || kennziffer,
           'Grenzänderung ' || kennziffer || ': ' || CAST(sum(population) FILTER (WHERE to_ags <> from_ags) AS BIGINT)
           || ' Einw. an ' || string_agg(DISTINCT to_ags, ', ') FILTER (WHERE to_ags <> from_ags) || ' (Schlüssel beibehalten)'
    FROM rec WHERE list_contains(codes, '2') AND NOT list_contains(codes, '1') AND NOT list_contains(codes, '3')
    GROUP BY from_gs, from_ags, kennziffer
)
SELECT from_gs, to_gs, from_ags, to_ags, weight_pop, source, note FROM bbsr
UNION ALL
-- least(…, 1): two border changes of the same unit in one period both keep the key (weight 1, not 2)
SELECT from_gs, to_gs, from_ags, to_ags, least(sum(weight_pop), 1.0), string_agg(DISTINCT source, ', '),
       string_agg(DISTINCT note, '; ')
FROM destatis GROUP BY ALL;

-- Territorial states in order; a key not named in a step continues unchanged to the next state.
CREATE OR REPLACE TABLE intermediate.gemeinde_states AS
SELECT gs, lead(gs) OVER (ORDER BY gs) AS next_gs
FROM (SELECT from_gs AS gs FROM intermediate.gemeinde_key_steps UNION SELECT to_gs FROM intermediate.gemeinde_key_steps);

-- Keys known at each state: sources of its step, targets of the step before, the GV-ISys key lists of that date.
CREATE OR REPLACE TABLE intermediate.gemeinde_state_keys AS
SELECT DISTINCT gs, ags FROM (
    SELECT from_gs AS gs, from_ags AS ags FROM intermediate.gemeinde_key_steps
    UNION ALL SELECT to_gs, to_ags FROM intermediate.gemeinde_key_steps
    UNION ALL SELECT CAST(a.gebietsstand AS DATE), a.ags FROM staging.gv_auszug_gemeinden a
        WHERE CAST(a.gebietsstand AS DATE) IN (SELECT gs FROM intermediate.gemeinde_states)
);

CREATE OR REPLACE TABLE intermediate.crosswalk_gemeinde_paths AS
WITH RECURSIVE path(start_gs, start_ags, cur_gs, cur_ags, w, sources, notes) AS (
    SELECT gs, ags, gs, ags, 1.0::DOUBLE, []::VARCHAR[], []::VARCHAR[] FROM intermediate.gemeinde_state_keys
    UNION ALL
    SELECT p.start_gs, p.start_ags, st.next_gs, coalesce(s.to_ags, p.cur_ags), p.w * coalesce(s.weight_pop, 1.0),
           CASE WHEN s.source IS NULL THEN p.sources ELSE list_append(p.sources, s.source) END,
           CASE WHEN s.note IS NULL THEN p.notes ELSE list_append(p.notes, s.note) END
    FROM path p
    JOIN intermediate.gemeinde_states st ON st.gs = p.cur_gs AND st.next_gs IS NOT NULL
    LEFT JOIN intermediate.gemeinde_key_steps s ON s.from_gs = p.cur_gs AND s.from_ags = p.cur_ags
)
SELECT start_gs, start_ags, cur_ags AS end_ags, sum(w) AS weight_pop,
       list_sort(list_distinct(flatten(list(sources)))) AS sources, list_sort(list_distinct(flatten(list(notes)))) AS notes
FROM path WHERE cur_gs = (SELECT max(gs) FROM intermediate.gemeinde_states)
GROUP BY ALL;

CREATE OR REPLACE TABLE intermediate.crosswalk_unresolved AS
SELECT 'gemeinde' AS level, p.start_gs AS from_gebietsstand, p.start_ags AS from_ags,
       'Schlüssel ' || string_agg(p.end_ags, ', ') FILTER (WHERE r.ags IS NULL) || ' (Stand '
       || strftime(any_value(l.gs), '%d.%m.%Y')
       || ') nicht im GV100AD 30.11.2025: Änderung danach, nicht im Bestand' AS reason
FROM intermediate.crosswalk_gemeinde_paths p
CROSS JOIN (SELECT max(gs) AS gs FROM intermediate.gemeinde_states) l
LEFT JOIN intermediate.region r ON r.ags = p.end_ags AND r.level = 'gemeinde'
GROUP BY p.start_gs, p.start_ags HAVING count(*) FILTER (WHERE r.ags IS NULL) > 0
UNION ALL
SELECT DISTINCT 'kreis', make_date(from_year, 12, 31), from_ags,
       'Ziel ' || to_ags || ' (Kreise 2021) nicht im GV100AD 30.11.2025'
FROM intermediate.crosswalk_kreis WHERE to_ags NOT IN (SELECT ags FROM intermediate.region WHERE level = 'kreis');

CREATE OR REPLACE TABLE intermediate.crosswalk_gemeinde AS
WITH ok AS (
    SELECT p.* FROM intermediate.crosswalk_gemeinde_paths p
    WHERE NOT EXISTS (SELECT 1 FROM intermediate.crosswalk_unresolved u
                      WHERE u.level = 'gemeinde' AND u.from_gebietsstand = p.start_gs AND u.from_ags = p.start_ags)
),
unit AS (SELECT start_gs, start_ags, count(*) AS n_targets FROM ok GROUP BY ALL),
tgt AS (SELECT start_gs, end_ags, count(*) AS n_sources FROM ok GROUP BY ALL)
SELECT ok.start_gs AS from_gebietsstand, ok.start_ags AS from_ags, ok.end_ags AS to_ags, ok.weight_pop,
       NOT (u.n_targets = 1 AND t.n_sources = 1 AND abs(ok.weight_pop - 1) < 1e-9) AS changed,
       coalesce(nullif(array_to_string(ok.sources, ', '), ''), 'unverändert') AS source,
       nullif(array_to_string(ok.notes, '; '), '') AS note,
       DATE '2025-11-30' AS to_gebietsstand
FROM ok JOIN unit u USING (start_gs, start_ags) JOIN tgt t USING (start_gs, end_ags)
ORDER BY 1, 2, 3;
