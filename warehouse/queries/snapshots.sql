-- Input files the warehouse was built from (origin, checksum, fetch time): data freshness on the sources page.
SELECT dataset, filename, origin, sha256, size, url, fetched_at FROM meta.snapshot ORDER BY dataset, filename
