-- Indicator catalogue with what the warehouse really holds: levels, years, sources, licences, gaps
-- (gaps_de/en start with the indicator's own `gaps_note_de/en` from etl/indicators/*.yml where it has one).
CREATE OR REPLACE TABLE core.dim_indicator AS
WITH avail AS (
    SELECT indicator_id,
           list(DISTINCT level ORDER BY level) AS levels,
           list(DISTINCT year ORDER BY year) AS years,
           min(year) AS first_year, max(year) AS last_year
    FROM core.fact_observation WHERE value IS NOT NULL GROUP BY 1
),
-- a level-year counts when a unit outside the Stadtstaaten has a value: Berlin/Hamburg alone (Land = Kreis =
-- Gemeinde) do not make a Gemeinde series (same rule as warehouse/queries/availability.sql)
per_level AS (
    SELECT f.indicator_id, f.level, list(DISTINCT f.year ORDER BY f.year) AS years, max(f.reference_date) AS latest_date
    FROM core.fact_observation f
    LEFT JOIN core.dim_region r ON r.ags = f.ags AND r.level = f.level
    WHERE f.value IS NOT NULL AND (f.level = 'bund' OR coalesce(r.kommunaltyp, '') <> 'stadtstaat')
    GROUP BY 1, 2
),
lv AS (
    SELECT indicator_id, map_from_entries(list({'k': level, 'v': years})) AS years_by_level,
           map_from_entries(list({'k': level, 'v': latest_date})) AS latest_by_level
    FROM per_level GROUP BY 1
),
-- year coverage per level as compact ranges ("2010–2015, 2021": the hole in between is the gap). A year
-- counts for a level when at least half of its units have a value; years with fewer (e.g. only the
-- Stadtstaaten Berlin/Hamburg filled from a Kreis table) are named separately with their unit count.
n_level AS (SELECT level, count(*) AS n_total FROM core.dim_region GROUP BY 1),
yrs AS (
    SELECT f.indicator_id, f.level, f.year, count(DISTINCT f.ags) AS n,
           count(DISTINCT f.ags) >= 0.5 * any_value(l.n_total) AS broad
    FROM core.fact_observation f JOIN n_level l USING (level)
    WHERE f.value IS NOT NULL AND f.level <> 'bund' GROUP BY 1, 2, 3
),
isl AS (SELECT indicator_id, level, year,
               year - row_number() OVER (PARTITION BY indicator_id, level ORDER BY year) AS grp
        FROM yrs WHERE broad),
rng AS (SELECT indicator_id, level, min(year) AS y0, max(year) AS y1 FROM isl GROUP BY indicator_id, level, grp),
broad_txt AS (
    SELECT indicator_id, level,
           string_agg(CASE WHEN y0 = y1 THEN y0::VARCHAR ELSE y0::VARCHAR || '–' || y1::VARCHAR END, ', ' ORDER BY y0) AS txt
    FROM rng GROUP BY 1, 2
),
sparse_txt AS (
    SELECT indicator_id, level, min(year) AS y0, max(year) AS y1, max(n) AS n_max
    FROM yrs WHERE NOT broad GROUP BY 1, 2
),
lvl_ranges AS (
    SELECT coalesce(b.indicator_id, p.indicator_id) AS indicator_id, coalesce(b.level, p.level) AS level,
           b.txt AS broad, p.y0, p.y1, p.n_max
    FROM broad_txt b FULL OUTER JOIN sparse_txt p USING (indicator_id, level)
),
cover AS (
    SELECT indicator_id,
           string_agg(CASE level WHEN 'gemeinde' THEN 'Gemeinden' WHEN 'kreis' THEN 'Kreise' ELSE 'Länder' END || ' '
                      || concat_ws(' ', broad, CASE WHEN y0 IS NOT NULL THEN
                         (CASE WHEN broad IS NULL THEN '' ELSE '+ ' END) || 'nur einzelne (max. ' || n_max || ') '
                         || CASE WHEN y0 = y1 THEN y0::VARCHAR ELSE y0::VARCHAR || '–' || y1::VARCHAR END END),
                      '; ' ORDER BY CASE level WHEN 'gemeinde' THEN 1 WHEN 'kreis' THEN 2 ELSE 3 END) AS de,
           string_agg(CASE level WHEN 'gemeinde' THEN 'municipalities' WHEN 'kreis' THEN 'districts' ELSE 'Länder' END || ' '
                      || concat_ws(' ', broad, CASE WHEN y0 IS NOT NULL THEN
                         (CASE WHEN broad IS NULL THEN '' ELSE '+ ' END) || 'only a few (max. ' || n_max || ') '
                         || CASE WHEN y0 = y1 THEN y0::VARCHAR ELSE y0::VARCHAR || '–' || y1::VARCHAR END END),
                      '; ' ORDER BY CASE level WHEN 'gemeinde' THEN 1 WHEN 'kreis' THEN 2 ELSE 3 END) AS en
    FROM lvl_ranges GROUP BY 1
),
src AS (
    SELECT f.indicator_id,
           string_agg(DISTINCT d.title, '; ') AS sources,
           string_agg(DISTINCT d.table_codes, '; ') AS table_codes,
           string_agg(DISTINCT d.attribution, ' | ') AS attribution,
           string_agg(DISTINCT d.licence, ', ') AS licence,
           list(DISTINCT d.dataset) AS datasets
    FROM (SELECT DISTINCT indicator_id, unnest(string_split(replace(dataset, 'aggregated:', ''), ',')) AS dataset
          FROM core.fact_observation) f
    JOIN staging.datasets d ON d.dataset = f.dataset
    GROUP BY 1
)
SELECT i.id AS indicator_id, i.label_de, i.label_en, i.unit, i.unit_en, i.kind, i.numerator, i.denominator,
       i.scale, i.weight, i.weight_note_de, i.weight_note_en, i.concept, i.definition_de, i.definition_en,
       i.role, i.polarity, i.source_code, i.reference_date_rule, i.differs_from, i.differs_from_de, i.differs_from_en,
       coalesce(a.levels, []) AS levels, coalesce(a.years, []) AS years, a.first_year, a.last_year,
       lv.years_by_level, lv.latest_by_level,
       coalesce(s.sources, CASE WHEN i.kind = 'derived' THEN 'berechnet aus ' || i.numerator || ' und ' || i.denominator END) AS sources,
       s.table_codes, s.attribution, coalesce(s.licence, 'dl-de/by-2-0') AS licence, s.datasets,
       CASE WHEN a.levels IS NULL THEN concat_ws(' ', 'Keine Werte im Datenbestand.', i.gaps_note_de)
            ELSE concat_ws(' ', i.gaps_note_de,
                CASE WHEN NOT list_contains(a.levels, 'gemeinde') THEN 'Keine Gemeindewerte.' END,
                CASE WHEN NOT list_contains(a.levels, 'kreis') THEN 'Keine Kreiswerte.' END,
                'Werte nur für: ' || c.de || '.') END AS gaps_de,
       CASE WHEN a.levels IS NULL THEN concat_ws(' ', 'No values in the data store.', i.gaps_note_en)
            ELSE concat_ws(' ', i.gaps_note_en,
                CASE WHEN NOT list_contains(a.levels, 'gemeinde') THEN 'No municipal values.' END,
                CASE WHEN NOT list_contains(a.levels, 'kreis') THEN 'No district values.' END,
                'Values only for: ' || c.en || '.') END AS gaps_en
FROM staging.indicators i
LEFT JOIN avail a ON a.indicator_id = i.id
LEFT JOIN lv ON lv.indicator_id = i.id
LEFT JOIN src s ON s.indicator_id = i.id
LEFT JOIN cover c ON c.indicator_id = i.id
ORDER BY i.id;
