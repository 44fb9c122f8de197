-- Region dimension: counts per level, key formats, unique keys, every Kreis has a Kreistyp, totals.
SELECT 'count' AS test, level, count(*) AS n FROM intermediate.region GROUP BY level
HAVING (level = 'land' AND count(*) <> 16) OR (level = 'kreis' AND count(*) <> 400) OR (level = 'bund' AND count(*) <> 1)
    OR (level = 'gemeinde' AND count(*) <> (SELECT count(*) FROM staging.gv100ad WHERE satzart = '60'))
UNION ALL
SELECT 'key format', level, count(*) FROM intermediate.region
WHERE NOT ((level = 'land' AND regexp_full_match(ags, '\d{2}')) OR (level = 'kreis' AND regexp_full_match(ags, '\d{5}'))
        OR (level = 'gemeinde' AND regexp_full_match(ags, '\d{8}')) OR (level = 'bund' AND ags = 'DG'))
GROUP BY level
UNION ALL
SELECT 'duplicate', ags, count(*) FROM intermediate.region GROUP BY ags HAVING count(*) > 1
UNION ALL
SELECT 'kreistyp missing', ags, 1 FROM intermediate.region WHERE level IN ('kreis', 'gemeinde') AND bbsr_kreistyp IS NULL
    AND kreis_ags IN (SELECT ags FROM intermediate.region WHERE level = 'kreis')
UNION ALL
SELECT 'land sum <> bund', 'DG', 1 WHERE (SELECT sum(population) FROM intermediate.region WHERE level = 'land')
    <> (SELECT population FROM intermediate.region WHERE level = 'bund');
