-- Every case-study key must exist in the current directory (the reference table was built against it).
SELECT ags, study_id FROM marts.case_studies WHERE NOT key_in_directory;
