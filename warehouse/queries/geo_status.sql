-- Boundary status, label point and bounding box per unit of one level (core.geo_region, built by geodata):
-- map legend ("boundary not available" with reason), selection zoom and mini map.
SELECT ags, name, boundary_status, note, centroid_lat AS lat, centroid_lon AS lon,
       bbox_minx, bbox_miny, bbox_maxx, bbox_maxy
FROM core.geo_region WHERE level = $level ORDER BY ags
