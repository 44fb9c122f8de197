-- Indicator catalogue with what the warehouse really holds: levels, years, sources, licences, gaps.
CREATE OR REPLACE TABLE core.dim_indicator AS
WITH avail AS (
    SELECT indicator_id,
           list(DISTINCT level ORDER BY level) AS levels,
           list(DISTINCT year ORDER BY year) AS years,
           min(year) AS first_year, max(year) AS last_year
    FROM core.fact_observation WHERE value IS NOT NULL GROUP BY 1
),
per_level AS (
    SELECT indicator_id, level, list(DISTINCT year ORDER BY year) AS years, max(reference_date) AS latest_date
    FROM core.fact_observation WHERE value IS NOT NULL GROUP BY 1, 2
),
lv AS (
    SELECT indicator_id, map_from_entries(list({'k': level, 'v': years})) AS years_by_level,
           map_from_entries(list({'k': level, 'v': latest_date})) AS latest_by_level
    FROM per_level GROUP BY 1
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
       i.scale, i.weight, i.concept, i.definition_de, i.definition_en,
       coalesce(a.levels, []) AS levels, coalesce(a.years, []) AS years, a.first_year, a.last_year,
       lv.years_by_level, lv.latest_by_level,
       coalesce(s.sources, CASE WHEN i.kind = 'derived' THEN 'berechnet aus ' || i.numerator || ' und ' || i.denominator END) AS sources,
       s.table_codes, s.attribution, coalesce(s.licence, 'dl-de/by-2-0') AS licence, s.datasets,
       CASE WHEN a.levels IS NULL THEN 'Keine Werte im Datenbestand.'
            ELSE concat_ws(' ',
                CASE WHEN NOT list_contains(a.levels, 'gemeinde') THEN 'Keine Gemeindewerte.' END,
                CASE WHEN NOT list_contains(a.levels, 'kreis') THEN 'Keine Kreiswerte.' END,
                'Jahre: ' || array_to_string(a.years, ', ') || '.') END AS gaps_de,
       CASE WHEN a.levels IS NULL THEN 'No values in the data store.'
            ELSE concat_ws(' ',
                CASE WHEN NOT list_contains(a.levels, 'gemeinde') THEN 'No municipal values.' END,
                CASE WHEN NOT list_contains(a.levels, 'kreis') THEN 'No district values.' END,
                'Years: ' || array_to_string(a.years, ', ') || '.') END AS gaps_en
FROM staging.indicators i
LEFT JOIN avail a ON a.indicator_id = i.id
LEFT JOIN lv ON lv.indicator_id = i.id
LEFT JOIN src s ON s.indicator_id = i.id
ORDER BY i.id;
