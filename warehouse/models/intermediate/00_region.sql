-- Region dimension on the current Gebietsstand (GV100AD 30.11.2025).
-- Kommunaltyp from the directory's Textkennzeichen; size classes from population 31.12.2024;
-- East/West keeps Berlin as its own value so the app can apply the rule the user picks.
CREATE OR REPLACE TABLE intermediate.region AS
WITH gv AS (SELECT * FROM staging.gv100ad),
gem AS (
    SELECT g.ags, g.ars, 'gemeinde' AS level, g.name, g.land AS land_ags, g.kreis_ags, g.verband_ars,
           g.textkennzeichen, g.population::BIGINT AS population, g.area_ha / 100.0 AS area_km2,
           CASE WHEN g.ags IN ('02000000', '11000000') THEN 'stadtstaat'
                WHEN g.textkennzeichen IN ('61', '62') THEN 'kreisfreie_stadt'
                WHEN g.textkennzeichen IN ('65', '66') THEN 'gemeindefreies_gebiet'
                ELSE 'kreisangehoerige_gemeinde' END AS kommunaltyp
    FROM gv g WHERE g.satzart = '60'
),
kreis_pop AS (
    SELECT kreis_ags, sum(population) AS population, sum(area_km2) AS area_km2 FROM gem GROUP BY 1
),
krs AS (
    SELECT k.kreis_ags AS ags, k.kreis_ags AS ars, 'kreis' AS level, k.name, k.land AS land_ags,
           k.kreis_ags, NULL AS verband_ars, k.textkennzeichen, p.population, p.area_km2,
           CASE WHEN k.kreis_ags IN ('02000', '11000') THEN 'stadtstaat'
                WHEN k.textkennzeichen IN ('41', '42') THEN 'kreisfreie_stadt'
                ELSE 'landkreis' END AS kommunaltyp
    FROM gv k JOIN kreis_pop p USING (kreis_ags) WHERE k.satzart = '40'
),
lan AS (
    SELECT l.land AS ags, l.land AS ars, 'land' AS level, l.name, l.land AS land_ags, NULL AS kreis_ags,
           NULL AS verband_ars, l.textkennzeichen,
           (SELECT sum(population) FROM gem WHERE gem.land_ags = l.land) AS population,
           (SELECT sum(area_km2) FROM gem WHERE gem.land_ags = l.land) AS area_km2,
           'land' AS kommunaltyp
    FROM gv l WHERE l.satzart = '10'
),
bund AS (
    SELECT 'DG' AS ags, 'DG' AS ars, 'bund' AS level, 'Deutschland' AS name, NULL AS land_ags, NULL AS kreis_ags,
           NULL AS verband_ars, NULL AS textkennzeichen, (SELECT sum(population) FROM gem) AS population,
           (SELECT sum(area_km2) FROM gem) AS area_km2, 'bund' AS kommunaltyp
),
allr AS (SELECT * FROM gem UNION ALL BY NAME SELECT * FROM krs UNION ALL BY NAME SELECT * FROM lan
         UNION ALL BY NAME SELECT * FROM bund),
kt AS (
    -- BBSR Kreistypen 2020: Eisenach 16056 merged into 16063 Wartburgkreis (both type 4), so drop 16056.
    SELECT kreis_ags, kreistyp, kreistyp_name FROM staging.bbsr_kreistypen WHERE kreis_ags <> '16056'
)
SELECT
    r.ags, r.ars, r.level, r.name,
    r.land_ags, ln.name AS land_name,
    r.kreis_ags, kn.name AS kreis_name,
    r.verband_ars, r.textkennzeichen, r.kommunaltyp,
    s.sonderstatus, s.reason AS sonderstatus_reason,
    r.population::BIGINT AS population, DATE '2024-12-31' AS population_date, r.area_km2,
    CASE WHEN r.level IN ('gemeinde', 'kreis') AND r.kommunaltyp <> 'landkreis' AND r.population > 0 THEN
        CASE WHEN r.population >= 100000 THEN 'grossstadt'
             WHEN r.population >= 20000 THEN 'mittelstadt'
             WHEN r.population >= 5000 THEN 'kleinstadt'
             ELSE 'landgemeinde' END END AS size_class,
    CASE WHEN r.level IN ('gemeinde', 'kreis') AND r.kommunaltyp = 'landkreis' THEN
             CASE WHEN r.population >= 150000 THEN 'lk_ge150k' ELSE 'lk_lt150k' END
         WHEN r.level IN ('gemeinde', 'kreis') AND r.population > 0 THEN
             CASE WHEN r.population >= 500000 THEN 'ge500k'
                  WHEN r.population >= 100000 THEN '100k_500k'
                  WHEN r.population >= 50000 THEN '50k_100k'
                  WHEN r.population >= 20000 THEN '20k_50k'
                  WHEN r.population >= 5000 THEN '5k_20k'
                  ELSE 'lt5k' END END AS size_class_fine,
    CASE WHEN r.land_ags IS NULL THEN NULL
         WHEN r.land_ags = '11' THEN 'berlin'
         WHEN r.land_ags::INT BETWEEN 12 AND 16 THEN 'east'
         ELSE 'west' END AS east_west,
    kt.kreistyp AS bbsr_kreistyp, kt.kreistyp_name AS bbsr_kreistyp_name,
    DATE '2025-11-30' AS gebietsstand
FROM allr r
LEFT JOIN (SELECT land, name FROM gv WHERE satzart = '10') ln ON ln.land = r.land_ags
LEFT JOIN (SELECT kreis_ags, name FROM gv WHERE satzart = '40') kn ON kn.kreis_ags = r.kreis_ags
LEFT JOIN staging.seed_sonderstatus s ON s.ags = r.ags
LEFT JOIN kt ON kt.kreis_ags = r.kreis_ags;
