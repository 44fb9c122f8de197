"""Change detection before download, against real local HTTP servers.

Downloads: a conditional static server (ETag = sha256 of the body, Last-Modified from a date, both
honoured as the standard says) — the second check sends the stored validators and gets 304.
GENESIS: tests/replay_server.py with the *recorded* metadata/table response of 12411-01-01-4
(../shared/opendata/genesis_api_samples_pystatis, `Updated` 31.03.2025 11:18:07h) and the recorded
ffcsv zip. No recorded catalogue/modifieddata response exists in that folder (pystatis recorded none);
its envelope below is written in the documented shape (List items Code/Content/Type/Date), marked as such.
"""
from __future__ import annotations

import email.utils
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from etl import changes
from etl.http import HttpClient
from etl.settings import Settings
from etl.snapshots import SnapshotStore
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.http
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "opendata" / "genesis_api_samples_pystatis"


class ConditionalServer:
    """Serves one body at /file.csv with ETag and/or Last-Modified and answers conditional GETs with 304."""

    def __init__(self, body: bytes, etag: bool = True, last_modified: str | None = "Tue, 31 Mar 2026 09:00:00 GMT"):
        self.body, self.use_etag, self.last_modified = body, etag, last_modified
        self.requests: list[dict] = []
        srv = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                srv.requests.append({k.lower(): v for k, v in self.headers.items()})
                tag = '"' + hashlib.sha256(srv.body).hexdigest()[:16] + '"'
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                fresh = (inm == tag) if (inm and srv.use_etag) else (
                    ims is not None and srv.last_modified is not None and
                    email.utils.parsedate_to_datetime(ims) >= email.utils.parsedate_to_datetime(srv.last_modified))
                if fresh:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                if srv.use_etag:
                    self.send_header("ETag", tag)
                if srv.last_modified:
                    self.send_header("Last-Modified", srv.last_modified)
                self.send_header("Content-Length", str(len(srv.body)))
                self.end_headers()
                self.wfile.write(srv.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/file.csv"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _settings(tmp_path, **kw) -> Settings:
    (tmp_path / "mirror").mkdir(exist_ok=True)
    return Settings(snapshot_dir=str(tmp_path / "snap"), mirror_dir=str(tmp_path / "mirror"), online="1",
                    warehouse_path=str(tmp_path / "wh.duckdb"), http_retries="0", **kw)


def _entry(url: str) -> dict:
    return {"id": "demo", "files": [{"name": "file.csv", "folder": "demo", "path": "file.csv",
                                     "fetch": {"kind": "download", "url": url, "extract": None}}]}


def _dated_dirs(tmp_path) -> list[str]:
    base = tmp_path / "snap" / "demo"
    return sorted(p.name for p in base.iterdir()) if base.exists() else []


def test_download_etag_unchanged_source_is_not_downloaded_again(tmp_path):
    body = b"ags;value\n01001;17\n"
    srv = ConditionalServer(body, etag=True, last_modified=None)
    try:
        settings = _settings(tmp_path)
        store, http = SnapshotStore(settings), HttpClient(settings)
        first = changes.check_dataset(_entry(srv.url), store, settings, http)
        assert [c.status for c in first] == ["updated"] and first[0].how == "etag"
        meta = json.loads(next((tmp_path / "snap" / "demo").glob("*/file.csv.meta.json")).read_text())
        assert meta["etag"].startswith('"') and meta["sha256"] == hashlib.sha256(body).hexdigest()

        second = changes.check_dataset(_entry(srv.url), store, settings, http)
        assert second[0].status == "unchanged" and second[0].how == "etag" and "304" in second[0].detail
        assert srv.requests[-1]["if-none-match"] == meta["etag"]
        assert len(_dated_dirs(tmp_path)) == 1                 # no second snapshot
        assert changes.dataset_status(second) == "unchanged"

        srv.body = b"ags;value\n01001;18\n"                   # a new vintage at the same URL
        third = changes.check_dataset(_entry(srv.url), store, settings, http)
        assert third[0].status == "updated"
        dirs = _dated_dirs(tmp_path)
        assert len(dirs) == 2 and dirs[1].endswith("-2")      # a new dated snapshot, the old one kept
        assert Path(store.latest_snapshot("demo", "file.csv").path).read_bytes() == srv.body
    finally:
        srv.stop()


def test_download_last_modified_only(tmp_path):
    srv = ConditionalServer(b"x;1\n", etag=False)
    try:
        settings = _settings(tmp_path)
        store, http = SnapshotStore(settings), HttpClient(settings)
        assert changes.check_dataset(_entry(srv.url), store, settings, http)[0].how == "last-modified"
        again = changes.check_dataset(_entry(srv.url), store, settings, http)[0]
        assert (again.status, again.how) == ("unchanged", "last-modified")
        assert srv.requests[-1]["if-modified-since"] == "Tue, 31 Mar 2026 09:00:00 GMT"
        assert "if-none-match" not in srv.requests[-1]
    finally:
        srv.stop()


def test_first_fetch_identical_to_mirror_counts_as_unchanged(tmp_path):
    body = b"same bytes as the mirror\n"
    settings = _settings(tmp_path)
    (tmp_path / "mirror" / "demo").mkdir()
    (tmp_path / "mirror" / "demo" / "file.csv").write_bytes(body)
    srv = ConditionalServer(body)
    try:
        c = changes.check_dataset(_entry(srv.url), SnapshotStore(settings), settings, HttpClient(settings))[0]
        assert (c.status, c.how) == ("unchanged", "sha256")
    finally:
        srv.stop()


def test_unreachable_source_is_a_failed_check_not_a_crash(tmp_path):
    settings = _settings(tmp_path)
    c = changes.check_dataset(_entry("http://127.0.0.1:9/none.csv"), SnapshotStore(settings), settings,
                              HttpClient(settings, backoff=0))[0]
    assert c.status == "failed" and "127.0.0.1:9" in c.detail
    assert changes.dataset_status([c]) == "check_failed"


# -- GENESIS ------------------------------------------------------------------------------------------

TABLE = "12411-01-01-4"


def _genesis_entry() -> dict:
    return {"id": "regio", "files": [{"name": "12411-01-01-4_de_flat.csv", "folder": "regio",
                                      "path": "12411-01-01-4_de_flat.csv",
                                      "fetch": {"kind": "genesis", "host": "regionalstatistik", "table": TABLE,
                                                "extract": "csv"}}]}


def _stored_fetch(settings, fetched_at: str) -> None:
    store = SnapshotStore(settings)
    snap = store.store("regio", "12411-01-01-4_de_flat.csv", b"old ffcsv\n", "https://example/regio")
    meta_p = Path(snap.path + ".meta.json")
    meta = json.loads(meta_p.read_text())
    meta["fetched_at"] = fetched_at
    meta_p.write_text(json.dumps(meta))


def _envelope(code: int, content: str, items=None) -> bytes:
    body = {"Ident": {"Service": "catalogue", "Method": "modifieddata"},
            "Status": {"Code": code, "Content": content, "Type": "Information"}}
    if items is not None:
        body["List"] = items
    return json.dumps(body).encode()


@pytest.fixture()
def genesis(tmp_path):
    with ReplayServer() as srv:
        settings = _settings(tmp_path, regionalstatistik_url=srv.base_url)
        yield srv, settings


def test_recorded_metadata_updated_before_last_fetch_means_unchanged(genesis):
    """modifieddata refused → metadata/table (recorded: Updated 31.03.2025) decides: fetched 10.03.2026 → unchanged."""
    srv, settings = genesis
    srv.route("catalogue/modifieddata", Reply(200, _envelope(15, "Sie sind nicht berechtigt (not recorded)")))
    srv.route("metadata/table", Reply(200, (SAMPLES / "regionalstatistik_metadata_table_12411-01-01-4_de.json").read_bytes()))
    _stored_fetch(settings, "2026-03-10T21:37:00+00:00")
    c = changes.check_dataset(_genesis_entry(), SnapshotStore(settings), settings, HttpClient(settings))[0]
    assert (c.status, c.how) == ("unchanged", "metadata"), c.detail
    assert "31.03.2025 11:18" in c.detail
    assert not srv.calls("data/tablefile")                      # nothing downloaded
    assert srv.calls("metadata/table")[0].form["name"] == TABLE


def test_recorded_metadata_updated_after_last_fetch_downloads_new_vintage(genesis, tmp_path):
    srv, settings = genesis
    srv.route("catalogue/modifieddata", Reply(500, b"down"))
    srv.route("metadata/table", Reply(200, (SAMPLES / "regionalstatistik_metadata_table_12411-01-01-4_de.json").read_bytes()))
    srv.route("data/tablefile", Reply(200, (SAMPLES / "regionalstatistik_data_tablefile_12411-01-01-4_ffcsv_de.zip").read_bytes(),
                                      "application/zip"))
    _stored_fetch(settings, "2025-01-15T08:00:00+00:00")
    store = SnapshotStore(settings)
    c = changes.check_dataset(_genesis_entry(), store, settings, HttpClient(settings))[0]
    assert (c.status, c.how) == ("updated", "metadata"), c.detail
    latest = Path(store.latest_snapshot("regio", "12411-01-01-4_de_flat.csv").path)
    text = latest.read_text(encoding="utf-8-sig")
    assert text.startswith("statistics_code;") and "2024-12-31" in text   # the recorded ffcsv, unzipped


def test_modifieddata_not_listed_means_unchanged_without_download(genesis):
    """Status 104 'keine Objekte' for the table since the last fetch day (envelope in the documented shape)."""
    srv, settings = genesis
    srv.route("catalogue/modifieddata", Reply(200, _envelope(104, "Es gibt keine Objekte zum angegebenen Selektionskriterium")))
    _stored_fetch(settings, "2026-03-10T21:37:00+00:00")
    c = changes.check_dataset(_genesis_entry(), SnapshotStore(settings), settings, HttpClient(settings))[0]
    assert (c.status, c.how) == ("unchanged", "modifieddata")
    call = srv.calls("catalogue/modifieddata")[0]
    assert call.form["selection"] == TABLE and call.form["date"] == "10.03.2026"
    assert not srv.calls("data/tablefile") and not srv.calls("metadata/table")


def test_modifieddata_listing_the_table_triggers_the_download(genesis):
    srv, settings = genesis
    srv.route("catalogue/modifieddata", Reply(200, _envelope(0, "erfolgreich", [
        {"Code": "12411", "Content": "Fortschreibung des Bevölkerungsstandes", "Type": "Aktualisierte Statistiken",
         "Date": "20.03.2026", "Added": "20.03.2026"}])))
    srv.route("data/tablefile", Reply(200, (SAMPLES / "regionalstatistik_data_tablefile_12411-01-01-4_ffcsv_de.zip").read_bytes(),
                                      "application/zip"))
    _stored_fetch(settings, "2026-03-10T21:37:00+00:00")
    c = changes.check_dataset(_genesis_entry(), SnapshotStore(settings), settings, HttpClient(settings))[0]
    assert (c.status, c.how) == ("updated", "modifieddata") and "12411" in c.detail
    assert len(srv.calls("data/tablefile")) == 1


def test_parse_genesis_dates():
    assert changes.parse_genesis_date("31.03.2025 11:18:07h").isoformat() == "2025-03-31T11:18:07"
    assert changes.parse_genesis_date("20.03.2026").isoformat() == "2026-03-20T00:00:00"
    assert changes.parse_genesis_date(None) is None


# -- a whole recorded run: the unchanged source is not downloaded again and not rebuilt -------------------

@pytest.mark.slow
def test_refresh_online_skips_an_unchanged_source_and_logs_it(tmp_path, monkeypatch):
    """`refresh` with IA_ONLINE=1 on a copy of the warehouse; bbsr_raumtypen's download URL points at a local
    server that serves the mirror's bytes with an ETag. First run: fetched, identical → unchanged; second run:
    304 → unchanged. Nothing is rebuilt, the run report says `unchanged` with the check."""
    import shutil

    import yaml

    from etl import catalogue as cat
    from etl.refresh import refresh
    from etl.settings import get_settings
    live = get_settings().warehouse
    if not live.exists():
        pytest.skip(f"warehouse {live} missing: build it first with `integrationsatlas etl run`")
    ds = "bbsr_raumtypen"
    entry = cat.load_catalogue()[ds]
    f = entry["files"][0]
    body = (get_settings().mirror / f["folder"] / f["path"]).read_bytes()
    srv = ConditionalServer(body, etag=True, last_modified=None)
    cdir = tmp_path / "catalogue"
    shutil.copytree(cat.catalogue_dir(), cdir)
    raw = yaml.safe_load((cdir / f"{ds}.yml").read_text(encoding="utf-8"))
    raw["files"][0]["fetch"]["url"] = srv.url
    (cdir / f"{ds}.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("IA_CATALOGUE_DIR", str(cdir))
    cat.load_catalogue.cache_clear()
    wh = tmp_path / "var" / "warehouse.duckdb"
    wh.parent.mkdir()
    shutil.copy2(live, wh)
    settings = Settings(warehouse_path=str(wh), snapshot_dir=str(tmp_path / "snap"), online="1",
                        mirror_dir=str(get_settings().mirror), reference_dir=str(get_settings().reference),
                        asset_dir=str(tmp_path / "assets"), http_retries="0")
    try:
        first = refresh(only=[ds], settings=settings)
        second = refresh(only=[ds], settings=settings)
    finally:
        srv.stop()
        cat.load_catalogue.cache_clear()
    # (the first run may still rebuild when step code changed since the copied warehouse was built)
    c1 = first["datasets"][ds]["checks"][0]
    assert (c1["status"], c1["how"]) == ("unchanged", "sha256")              # first fetch: same bytes as the mirror
    d = second["datasets"][ds]
    assert d["outcome"] == "unchanged", d
    assert second["outcome"] == "skipped" and second["diff"] is None
    c2 = second["datasets"][ds]["checks"][0]
    assert (c2["status"], c2["how"]) == ("unchanged", "etag") and "304" in c2["detail"]
    assert len(srv.requests) == 2 and srv.requests[1]["if-none-match"]
    assert wh.stat().st_nlink >= 1 and len(list((tmp_path / "snap" / ds).iterdir())) == 1
