-- Shared SQL for the roll-ups in core/20_fact_observation.sql (one definition instead of three copies).

-- Population-weighted mean of published rates over the units that have a value; NULL when no weight.
CREATE OR REPLACE MACRO intermediate.weighted_mean(v, w) AS
    sum(v * w) / nullif(sum(CASE WHEN v IS NOT NULL THEN w END), 0);

-- Which population weighted it: "Bevölkerung gleichen Stichtags" (Fortschreibung), or the Zensus 15.05.2022 count: for
-- census-dated values, and for 31.12.2022 values (the census year has no Fortschreibung in the store).
CREATE OR REPLACE MACRO intermediate.weight_note(census_used) AS
    CASE WHEN census_used THEN 'Zensus-Bevölkerung 15.05.2022 als Gewicht' ELSE 'Bevölkerung gleichen Stichtags' END;
