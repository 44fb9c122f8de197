-- Case-study entries per unit of the current Gebietsstand (profile page).
CREATE OR REPLACE TABLE marts.case_studies AS
SELECT c.ags, c.level, c.study_id, c.study_title, c.publisher, c.year, c.role_in_study, c.unit_name, c.notes,
       r.ags IS NOT NULL AS key_in_directory
FROM staging.case_studies c
LEFT JOIN core.dim_region r ON r.ags = c.ags
WHERE c.ags <> '';
