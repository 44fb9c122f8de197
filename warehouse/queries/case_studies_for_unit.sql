-- Case-study entries (reference layer from ../shared/reference/case_studies.csv) for one unit.
SELECT study_id, study_title, publisher, year, role_in_study, unit_name, notes
FROM marts.case_studies WHERE ags = $ags ORDER BY year, study_id
