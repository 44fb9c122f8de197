-- Crosswalks: weights of every source unit add up to 1, targets are current keys, known cases hold,
-- the Destatis records of one period do not chain (one step per period is then exact).
SELECT 'kreis weights' AS test, from_year || ' ' || from_ags AS what, sum(weight_pop) AS n
FROM intermediate.crosswalk_kreis GROUP BY from_year, from_ags HAVING abs(sum(weight_pop) - 1) > 0.001
UNION ALL
SELECT 'gemeinde weights', from_gebietsstand || ' ' || from_ags, sum(weight_pop)
FROM intermediate.crosswalk_gemeinde GROUP BY from_gebietsstand, from_ags HAVING abs(sum(weight_pop) - 1) > 0.001
UNION ALL
SELECT 'kreis target not current', to_ags, 1 FROM intermediate.crosswalk_kreis
WHERE to_ags NOT IN (SELECT ags FROM intermediate.region WHERE level = 'kreis')
UNION ALL
SELECT 'gemeinde target not current', to_ags, 1 FROM intermediate.crosswalk_gemeinde
WHERE to_ags NOT IN (SELECT ags FROM intermediate.region WHERE level = 'gemeinde')
UNION ALL
SELECT 'Eisenach 2019 not into Wartburgkreis', '16056', 1
WHERE NOT EXISTS (SELECT 1 FROM intermediate.crosswalk_kreis WHERE from_year = 2019 AND from_ags = '16056'
                  AND to_ags = '16063' AND weight_pop = 1 AND changed)
UNION ALL
SELECT 'chained records in one period', a.kennziffer || ' → ' || b.kennziffer, 1
FROM staging.gebietsaenderungen a JOIN staging.gebietsaenderungen b
  ON a.source_file = b.source_file AND a.to_ags = b.from_ags AND a.to_ags <> a.from_ags
 AND a.regionaleinheit = 'Gemeinde' AND b.regionaleinheit = 'Gemeinde'
 AND regexp_matches(a.change_type, '[13]') AND regexp_matches(b.change_type, '1')
 AND b.effective_statistical > a.effective_statistical
UNION ALL
SELECT 'GV-ISys 31.12.2024 key not reached from 31.12.2023', a.ags, 1
FROM staging.gv_auszug_gemeinden a
WHERE a.gebietsstand = '2024-12-31'
  AND a.ags NOT IN (SELECT ags FROM intermediate.gemeinde_state_keys WHERE gs = DATE '2024-12-31'
                    AND ags IN (SELECT to_ags FROM intermediate.gemeinde_key_steps WHERE to_gs = DATE '2024-12-31'
                                UNION SELECT ags FROM intermediate.gemeinde_state_keys WHERE gs = DATE '2023-12-31'));
