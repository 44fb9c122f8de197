-- Units of one level on the current Gebietsstand with all facets.
SELECT ags, name, level, land_ags, land_name, kreis_ags, kreis_name, kommunaltyp, sonderstatus, size_class,
       size_class_fine, east_west, bbsr_kreistyp, bbsr_kreistyp_name, population, population_date, area_km2,
       gebietsstand
FROM core.dim_region WHERE level = $level ORDER BY ags
