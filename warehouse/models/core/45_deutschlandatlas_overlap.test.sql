-- Deutschlandatlas Kürzel that continue an existing id must agree with the first-hand source for the same key and
-- date (else they are not the same series and need an id of their own):
--   alq      -> unemployment_rate  vs regionalstatistik_13211-02-05-4 (2023): both one decimal; the 2024 edition has
--               two decimals, the 2026 edition rounds once more: |difference| <= 0.1 is rounding;
--   bev_ausl -> foreigners_share   vs INKAR a_ausl_bev via gerda (2022): identical in the store; |difference| <= 0.01.
WITH pairs(indicator_id, other_dataset, tolerance) AS (
    VALUES ('unemployment_rate', 'regionalstatistik_13211-02-05-4', 0.1),
           ('foreigners_share', 'gerda_zensus2022_gemeinden_inkar_kreise', 0.01)
)
SELECT a.indicator_id, a.ags, a.reference_date, a.source_file, a.value AS atlas_value, b.value AS other_value,
       b.dataset AS other_dataset
FROM staging.observations_all a
JOIN pairs p ON p.indicator_id = a.indicator_id
JOIN staging.observations_all b
  ON b.dataset = p.other_dataset AND b.indicator_id = a.indicator_id AND b.ags = a.ags AND b.level = a.level
 AND b.reference_date = a.reference_date
WHERE a.dataset = 'deutschlandatlas' AND a.value IS NOT NULL AND b.value IS NOT NULL
  AND abs(a.value - b.value) > p.tolerance + 1e-9
