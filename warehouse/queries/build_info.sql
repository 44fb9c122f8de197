-- Identity of the warehouse build (models hash, build time, …) for citations and the Sources page.
SELECT key, value FROM meta.build_info ORDER BY key
