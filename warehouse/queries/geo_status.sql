-- Boundary status and label point per unit of one level (core.geo_region, built by geodata): map legend and mini map.
SELECT ags, boundary_status, centroid_lat AS lat, centroid_lon AS lon FROM core.geo_region WHERE level = $level ORDER BY ags
