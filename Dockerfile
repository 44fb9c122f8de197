# Integrationsatlas: ETL + dashboard. Mount the snapshot mirror read-only at /data/opendata
# (or set IA_ONLINE=1 with GENESIS credentials) and a volume for /app/var.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    IA_MIRROR=/data/opendata IA_REFERENCE_DIR=/data/reference IA_HOST=0.0.0.0 IA_PORT=8050 \
    IA_WAREHOUSE=/app/var/warehouse.duckdb IA_SNAPSHOT_DIR=/app/var/snapshots IA_ASSET_DIR=/app/var/assets
WORKDIR /app
COPY pyproject.toml README.md ./
COPY etl ./etl
COPY warehouse ./warehouse
COPY geodata ./geodata
COPY dashboard ./dashboard
RUN pip install --no-cache-dir .
RUN useradd --create-home --uid 10001 atlas && mkdir -p /app/var && chown 10001 /app/var
USER 10001
EXPOSE 8050
HEALTHCHECK CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/', timeout=5)"]
CMD ["integrationsatlas", "serve", "--workers", "2"]
