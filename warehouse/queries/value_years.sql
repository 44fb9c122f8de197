-- Every (indicator, level, year) with at least one value (what check_selection accepts), for checking many
-- selections at once (warehouse.queries.group_aggregates).
SELECT DISTINCT indicator_id, level, year FROM core.fact_observation WHERE value IS NOT NULL
