-- Königsteiner Schlüssel: per year exactly the 16 Länder, adding up to 100 % within the rounding of 16 shares
-- printed with 5 decimals, and the Germany row equal to the printed total (100 %).
WITH ks AS (SELECT * FROM core.fact_observation WHERE indicator_id = 'koenigsteiner_schluessel_share'),
per_year AS (
    SELECT year, count(*) AS n, count(DISTINCT ags) AS n_laender, sum(value) AS total
    FROM ks WHERE level = 'land' AND dataset = 'gwk_koenigsteiner_schluessel' GROUP BY year
)
SELECT 'Länder do not add up to 100 %' AS test, year::VARCHAR || ': ' || round(total, 6)::VARCHAR AS what, n
FROM per_year WHERE abs(total - 100) > 16 * 0.000005
UNION ALL
SELECT 'not 16 Länder', year::VARCHAR, n_laender FROM per_year WHERE n_laender <> 16 OR n <> 16
UNION ALL
SELECT 'Germany is not the printed total 100 %', year::VARCHAR, 1 FROM ks
WHERE level = 'bund' AND abs(value - 100) > 0.000005
UNION ALL
SELECT 'no key in the warehouse', 'koenigsteiner_schluessel_share', 0
WHERE NOT EXISTS (SELECT 1 FROM per_year);
