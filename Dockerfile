# Integrationsatlas: ETL + DuckDB warehouse + Dash app. Two targets from one build:
#   app        (default) gunicorn serving the dashboard on :8050, /healthz answering from the warehouse
#   scheduler  (docker build --target scheduler) `integrationsatlas etl schedule` (etl/schedule.toml): the
#              refreshes, one build at a time; or run the app image with that command
# Mount a volume at /app/var (warehouse, snapshots, builds, run history; shared by both containers) and the
# snapshot mirror read-only at /data/opendata (or set IA_ONLINE=1 with GENESIS credentials).
# Not built on the project's machines (no Docker engine there); linted with hadolint in the tests.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY etl ./etl
COPY warehouse ./warehouse
COPY geodata ./geodata
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
# the partial plotly.js bundle (scripts/build_plotly_bundle.py: npm ci of the pinned versions, esbuild) outside
# the /app/var volume, which would hide it; without it the app serves Dash's full plotly.js (1.4 MB brotli)
COPY --from=node:22-bookworm-slim /usr/local/bin/node /usr/local/bin/node
COPY --from=node:22-bookworm-slim /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s /usr/local/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
COPY scripts ./scripts
RUN python scripts/build_plotly_bundle.py --out /opt/ia/vendor/plotly-ia.min.js \
    && rm -rf /src/var/plotly-build

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH \
    IA_MIRROR=/data/opendata IA_REFERENCE_DIR=/data/reference IA_HOST=0.0.0.0 IA_PORT=8050 \
    IA_WAREHOUSE=/app/var/warehouse.duckdb IA_SNAPSHOT_DIR=/app/var/snapshots IA_ASSET_DIR=/app/var/assets \
    IA_PLOTLY_BUNDLE_FILE=/opt/ia/vendor/plotly-ia.min.js
RUN useradd --create-home --uid 10001 atlas && mkdir -p /app/var && chown 10001 /app/var
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/ia/vendor /opt/ia/vendor
WORKDIR /app
VOLUME ["/app/var"]
USER 10001

FROM runtime AS scheduler
CMD ["integrationsatlas", "etl", "schedule"]

# the last stage is the default target: the app
FROM runtime AS app
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8050/healthz', timeout=8)"]
CMD ["gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--keep-alive", "5", "--bind", "0.0.0.0:8050", "--timeout", "60", "--access-logfile", "-", "dashboard.app:server"]
