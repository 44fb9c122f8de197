"""Secrets (issue 11): a run with a known GENESIS token (IA_GENESIS_USER / IA_GENESIS_PASSWORD) against the
local replay server, logging at DEBUG; then every output (stdout/stderr of `etl run`, `etl history`,
`etl report`), every file the run wrote (logs, snapshots and their .meta.json, run history, run reports, the
build archive, the server's log), the text columns of the warehouse's meta tables, `etl status` and `settings`,
and the app's pages (/, its layout JSON, /healthz, /api/steward/status, and /status, /daten, /, /tabelle as the
router callback renders them) are searched for the token and the password: 0 hits. The server's request log proves the token was really sent (in headers only).
The replay server answers every 12411 table with the one recorded zip, so the run fetches and stores snapshots,
then stops at a parse error in a file that is no regio CSV now: a failed run with a full report, without
rebuilding the models (fast)."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.faults_support import REAL, mirror, reference_warehouse, settings_for
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.http

SAMPLES = REAL / "genesis_api_samples_pystatis"
if not SAMPLES.is_dir():
    pytest.skip(f"recorded GENESIS samples not in {REAL}", allow_module_level=True)

DATASET = "regionalstatistik_12411_bevoelkerung"
TOKEN, PASSWORD = "ia-secret-token-5b7e0c9d41", "ia-secret-pw-0c13f8aa"


def _run(args, env, timeout=600):
    return subprocess.run([sys.executable, "-m", "etl.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture()
def source_warehouse(request) -> Path:
    p = Path(os.environ["IA_FAULTS_WAREHOUSE"]) if os.environ.get("IA_FAULTS_WAREHOUSE") else None
    return p if p and p.exists() else request.getfixturevalue("built")


def _render(url: str, path: str) -> str:
    """POST the router callback the way the browser does on opening `path`: the page's whole content."""
    import json
    body = {"output": "..nav.children...page-content.children...notice.children...route-store.data..",
            "outputs": [{"id": i, "property": p} for i, p in (("nav", "children"), ("page-content", "children"),
                                                               ("notice", "children"), ("route-store", "data"))],
            "inputs": [{"id": "url", "property": "pathname", "value": path},
                       {"id": "url", "property": "search", "value": ""}],
            "state": [{"id": "route-store", "property": "data", "value": None}], "changedPropIds": ["url.pathname"]}
    req = urllib.request.Request(url + "/_dash-update-component", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.read().decode("utf-8", "replace")


def _warehouse_text(path: Path) -> str:
    """Every text value of the warehouse's meta tables and of core.dim_dataset (DuckDB compresses strings, so a
    byte search of the file alone could miss one)."""
    import duckdb
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = con.execute("SELECT table_schema, table_name, column_name FROM information_schema.columns "
                           "WHERE data_type = 'VARCHAR' AND (table_schema = 'meta' OR table_name = 'dim_dataset')"
                           ).fetchall()
        assert cols, "no text columns in meta.*"
        out = []
        for schema, table, col in cols:
            rows = con.execute(f'SELECT DISTINCT "{col}" FROM "{schema}"."{table}"').fetchall()
            out.extend(str(r[0]) for r in rows)
        return "\n".join(out)
    finally:
        con.close()


def test_the_token_appears_in_no_output_file_or_page(tmp_path, source_warehouse, monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    settings = settings_for(tmp_path, mirror(tmp_path, DATASET, {}))
    settings.warehouse.parent.mkdir(parents=True)
    __import__("shutil").copy2(source_warehouse, settings.warehouse)  # a copy: the session's build is shared
    outputs: dict[str, str] = {}
    with ReplayServer() as srv:
        zip_body = (SAMPLES / "regionalstatistik_data_tablefile_12411-01-01-4_ffcsv_de.zip").read_bytes()
        srv.route("data/tablefile", Reply(200, zip_body, "application/zip"))
        srv.route("metadata/table", Reply(200, (SAMPLES / "regionalstatistik_metadata_table_12411-01-01-4_de.json")
                                          .read_bytes(), "application/json"))
        env = {**os.environ, "IA_WAREHOUSE": str(settings.warehouse), "IA_MIRROR": str(settings.mirror_dir),
               "IA_SNAPSHOT_DIR": str(settings.snapshot_dir), "IA_ONLINE": "1", "IA_LOG_LEVEL": "DEBUG",
               "IA_REGIONALSTATISTIK_URL": srv.base_url, "IA_DESTATIS_URL": srv.base_url,
               "IA_ZENSUS_URL": srv.base_url, "IA_HTTP_TIMEOUT": "5", "IA_HTTP_RETRIES": "0",
               "IA_GENESIS_USER": TOKEN, "IA_GENESIS_PASSWORD": PASSWORD, "NO_PROXY": "127.0.0.1,localhost",
               "COLUMNS": "200"}
        env.pop("IA_FAULTS_WAREHOUSE", None)
        run = _run(["etl", "run", "--only", DATASET], env)
        outputs["etl run"] = run.stdout + run.stderr
        sent = [r for r in srv.requests if r.headers.get("username") == TOKEN]
        assert sent, f"the token was never sent: {len(srv.requests)} requests; {outputs['etl run'][-2000:]}"
        for r in srv.requests:   # credentials in headers only
            assert TOKEN not in r.raw_path + repr(r.form) and PASSWORD not in r.raw_path + repr(r.form)
    hist = _run(["etl", "history", "--format", "json"], env)
    outputs["etl history"] = hist.stdout + hist.stderr
    import json
    for rep in json.loads(hist.stdout or "[]"):
        r = _run(["etl", "report", rep["run_id"], "--format", "json"], env)
        outputs[f"etl report {rep['run_id']}"] = r.stdout + r.stderr
    assert any(k.startswith("etl report") for k in outputs), outputs["etl history"]

    for args in (["etl", "status"], ["settings"]):
        r = _run(args, env)
        outputs[" ".join(args)] = r.stdout + r.stderr
    assert "IA_GENESIS_PASSWORD" in outputs["settings"]

    from dashboard.testing import running_server
    page_env = {k: v for k, v in env.items() if k != "IA_ONLINE"}
    # the server's own log is kept in tmp_path (searched below with every other file)
    with running_server(env=page_env, log_path=tmp_path / "server.log") as url:
        for path in ("/", "/_dash-layout", "/status", "/healthz", "/daten", "/api/steward/status", "/api/pages",
                     "/api/geojson?level=land"):
            try:
                with urllib.request.urlopen(url + path, timeout=60) as resp:
                    outputs[f"GET {path}"] = resp.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as exc:
                outputs[f"GET {path}"] = exc.read().decode("utf-8", "replace")
        # the pages as the browser renders them: the router callback's output (run history, snapshots, sources)
        for path in ("/status", "/daten", "/", "/tabelle"):
            outputs[f"render {path}"] = _render(url, path)
    assert '"namespace":"dash_core_components"' in outputs["GET /_dash-layout"]
    assert len(outputs["GET /status"]) > 500, outputs["GET /status"][:300]
    assert len(outputs["render /status"]) > 2000 and len(outputs["render /daten"]) > 2000, outputs["render /status"][:300]
    assert '"runs"' in outputs["GET /api/steward/status"]
    outputs["warehouse text"] = _warehouse_text(settings.warehouse)

    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink() and "mirror" not in p.parts]
    assert any(p.name.endswith(".meta.json") for p in files), "no snapshot was fetched"
    assert any(p.parent.name == "runs" for p in files), "no run report"
    hits = [name for name, text in outputs.items() if TOKEN in text or PASSWORD in text]
    for p in files:
        data = p.read_bytes()
        if TOKEN.encode() in data or PASSWORD.encode() in data:
            hits.append(str(p.relative_to(tmp_path)))
    assert hits == [], hits
    assert len(files) >= 4
