"""Every setting in one place: a default, an environment variable and a help text.

Why a plain table instead of a framework: the list doubles as documentation
(`integrationsatlas settings` prints it, README links to it) and tests can check
that every setting is documented.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


def _default_mirror() -> str:
    return str((ROOT.parent / "shared" / "opendata").resolve())


SETTINGS: tuple[Setting, ...] = (
    Setting("warehouse_path", "IA_WAREHOUSE", str(ROOT / "var" / "warehouse.duckdb"),
            "DuckDB warehouse file the ETL writes (atomically) and the app reads (read-only)."),
    Setting("snapshot_dir", "IA_SNAPSHOT_DIR", str(ROOT / "var" / "snapshots"),
            "Writable store of dated, immutable snapshots fetched over HTTP (<dataset>/<date>/<file> + .meta.json)."),
    Setting("mirror_dir", "IA_MIRROR", _default_mirror(),
            "Read-only snapshot mirror (default ../shared/opendata); used when a dataset cannot be fetched."),
    Setting("asset_dir", "IA_ASSET_DIR", str(ROOT / "var" / "assets"),
            "Generated client assets (content-hashed geometry files)."),
    Setting("reference_dir", "IA_REFERENCE_DIR", str((ROOT.parent / "shared" / "reference").resolve()),
            "Reference tables such as case_studies.csv (default ../shared/reference)."),
    Setting("catalogue_dir", "IA_CATALOGUE_DIR", "",
            "Folder of dataset catalogue files (default etl/catalogue); a copy with one more file line adds a vintage."),
    Setting("online", "IA_ONLINE", "0",
            "1 = try the official endpoints first (needs network and, for GENESIS, credentials); 0 = mirror only."),
    Setting("genesis_user", "IA_GENESIS_USER", "",
            "GENESIS username (or API token) for regionalstatistik.de / GENESIS-Online / Zensus 2022 DB."),
    Setting("genesis_password", "IA_GENESIS_PASSWORD", "",
            "GENESIS password (empty when a token is used as username)."),
    Setting("regionalstatistik_url", "IA_REGIONALSTATISTIK_URL",
            "https://www.regionalstatistik.de/genesisws/rest/2020/",
            "Base URL of the Regionaldatenbank GENESIS REST 2020 service."),
    Setting("destatis_url", "IA_DESTATIS_URL", "https://www-genesis.destatis.de/genesisWS/rest/2020/",
            "Base URL of the GENESIS-Online (Destatis) REST 2020 service."),
    Setting("zensus_url", "IA_ZENSUS_URL", "https://ergebnisse.zensus2022.de/api/rest/2020/",
            "Base URL of the Zensus 2022 database REST 2020 service."),
    Setting("http_timeout", "IA_HTTP_TIMEOUT", "60", "Seconds before one HTTP request times out."),
    Setting("http_retries", "IA_HTTP_RETRIES", "4", "Retries with exponential backoff on 5xx, 429 and timeouts."),
    Setting("job_poll_seconds", "IA_JOB_POLL_SECONDS", "5", "Pause between polls of a GENESIS background job."),
    Setting("job_max_wait", "IA_JOB_MAX_WAIT", "1800", "Give up on a GENESIS background job after this many seconds."),
    Setting("etl_workers", "IA_ETL_WORKERS", "2",
            "Processes that run dataset steps at once in an offline build (1 = one after another in the runner)."),
    Setting("log_level", "IA_LOG_LEVEL", "INFO", "Python log level (DEBUG, INFO, WARNING, ERROR)."),
    Setting("query_row_cap", "IA_QUERY_ROW_CAP", "50000", "Most rows one app/CLI query may return."),
    Setting("query_timeout", "IA_QUERY_TIMEOUT", "10", "Seconds one app query may run before it is interrupted."),
    Setting("callback_cache", "IA_CALLBACK_CACHE", "1",
            "1 = the dashboard memoises expensive callback results per warehouse build (profiles, place cards, "
            "coverage, table pages) and precomputes them at start; 0 = recompute on every request (the baseline "
            "of bench/bench_callbacks.py)."),
    Setting("host", "IA_HOST", "127.0.0.1", "Address the dashboard listens on."),
    Setting("port", "IA_PORT", "8050", "Port the dashboard listens on."),
    Setting("plotly_bundle", "IA_PLOTLY_BUNDLE", "partial",
            "plotly.js the dashboard serves: partial = only the app's trace types (var/vendor/plotly-ia.min.js from "
            "scripts/build_plotly_bundle.py, ~0.7 MB brotli; the full bundle when not built), full = Dash's full "
            "plotly.min.js (1.4 MB brotli)."),
    Setting("plotly_bundle_file", "IA_PLOTLY_BUNDLE_FILE", str(ROOT / "var" / "vendor" / "plotly-ia.min.js"),
            "Where the partial plotly.js bundle (and its .br/.gz copies) lies: scripts/build_plotly_bundle.py writes "
            "it, `--out` elsewhere; the Docker image builds it into /opt/ia/vendor, outside the /app/var volume."),
    Setting("lazy_grid", "IA_LAZY_GRID", "1",
            "1 = dash-ag-grid's JavaScript (0.6 MB brotli) loads when a grid comes into view, not with every page "
            "(dashboard/vendor_js/ia_lazy_grid.js); 0 = in every page's script tags (Dash's default)."),
    Setting("map_tiles", "IA_MAP_TILES", "1",
            "1 = the map draws from vector tiles cut from the geometry asset (geodata/tiles.py: the worker decodes "
            "a few pre-cut tiles instead of parsing and indexing 4 MB of GeoJSON); 0 = a GeoJSON source (the "
            "baseline of bench/bench_first_paint.py)."),
    Setting("map_poster", "IA_MAP_POSTER", "1",
            "1 = a Karte page's HTML carries a still image of its map, drawn on the server (geodata/poster.py), "
            "shown until the live map has drawn: the map is on screen before Dash has booted; 0 = no still image "
            "(the baseline of bench/bench_first_paint.py)."),
    Setting("workers", "IA_WORKERS", "2",
            "gunicorn worker processes of `integrationsatlas serve` (each holds its own caches, ~1 GB when warm)."),
    Setting("threads", "IA_THREADS", "4",
            "Threads per gunicorn worker; > 1 = gthread workers (chosen by the load test, bench/results/load.md)."),
    # data stewards (etl/schedule.py, etl/history.py, etl/builds.py, the /status console)
    Setting("schedule_file", "IA_SCHEDULE_FILE", str(ROOT / "etl" / "schedule.toml"),
            "Schedule of refreshes (TOML: cron expression per dataset or group), read by `etl schedule`."),
    Setting("run_timeout", "IA_RUN_TIMEOUT", "3600",
            "Seconds one scheduled or console build may take before it is stopped (the old warehouse stays live)."),
    Setting("keep_builds", "IA_KEEP_BUILDS", "3",
            "How many warehouse builds var/builds/ keeps for diffs and `etl rollback` (hard links, see etl/builds.py)."),
    Setting("diff_threshold", "IA_DIFF_THRESHOLD", "0.01",
            "Relative change (0.01 = 1 %) above which a value counts as changed in a run's diff report."),
    Setting("steward_token", "IA_STEWARD_TOKEN", "",
            "Token for steward actions in the /status console (refresh, pause/resume, rollback); empty = read-only."),
)


class Settings:
    """Resolved settings: attribute access, env overrides read at construction time."""

    def __init__(self, **overrides: str):
        for s in SETTINGS:
            raw = overrides.get(s.name, os.environ.get(s.env, s.default))
            object.__setattr__(self, s.name, raw)

    # typed views -------------------------------------------------------
    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def snapshots(self) -> Path:
        return Path(self.snapshot_dir)

    @property
    def mirror(self) -> Path:
        return Path(self.mirror_dir)

    @property
    def assets(self) -> Path:
        return Path(self.asset_dir)

    @property
    def reference(self) -> Path:
        return Path(self.reference_dir)

    @property
    def is_online(self) -> bool:
        return str(self.online).strip() in {"1", "true", "yes"}

    @property
    def has_credentials(self) -> bool:
        return bool(self.genesis_user)

    def as_rows(self) -> list[tuple[str, str, str, str]]:
        """(name, env var, current value with secrets masked, help) for display."""
        rows = []
        for s in SETTINGS:
            val = getattr(self, s.name)
            if ("password" in s.name or "token" in s.name or s.name == "genesis_user") and val:   # the user may be a token
                val = "********"
            rows.append((s.name, s.env, val, s.help))
        return rows


def get_settings() -> Settings:
    return Settings()


_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """One setting's current value (its env var or default): get_settings().<name> without resolving all ~40
    (the app asks for the warehouse path and the callback cache on every memoised call)."""
    s = _BY_NAME[name]
    return os.environ.get(s.env, s.default)
