"""HTTP faults (issue 11) against a real server on 127.0.0.1 (tests/replay_server.py replays recorded GENESIS
bodies from ../shared/opendata/genesis_api_samples_pystatis). Each fault: the client raises one clear error
naming method/URL/status (never the credentials), and a step's input falls back to the last stored snapshot or
the read-only mirror with a warning — nothing half-fetched is stored, the last good data keep being used."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from etl.clients.genesis import GenesisClient, GenesisError, GenesisJobTimeout, GenesisNotFound
from etl.fetchers import fetcher_for
from etl.http import HttpClient, HttpError
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext
from tests.replay_server import ReplayServer, Reply

pytestmark = pytest.mark.http

MIRROR = get_settings().mirror
SAMPLES = MIRROR / "genesis_api_samples_pystatis"
if not SAMPLES.is_dir():
    pytest.skip(f"recorded GENESIS samples not in {MIRROR}", allow_module_level=True)
TABLE_ZIP = SAMPLES / "regionalstatistik_data_tablefile_12411-01-01-4_ffcsv_de.zip"
DATASET = "regionalstatistik_12411_bevoelkerung"
FILE = "12411-01-01-4_2024-12-31_de_flat.csv"
ENTRY = {"id": DATASET, "mirror": DATASET, "files": [{"name": FILE, "fetch": {
    "kind": "genesis", "host": "regionalstatistik", "table": "12411-01-01-4",
    "params": {"startyear": "2024", "endyear": "2024"}, "extract": "csv"}}]}
USER, PASSWORD = "faults-user-7f3a", "faults-pw-91c2"


@pytest.fixture(autouse=True)
def _local_only(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture()
def server():
    with ReplayServer() as srv:
        yield srv


def settings(srv, tmp_path: Path, **over) -> Settings:
    base = dict(regionalstatistik_url=srv.base_url, destatis_url=srv.base_url, zensus_url=srv.base_url,
                http_timeout="3", http_retries="1", job_poll_seconds="0.01", job_max_wait="0.2",
                genesis_user=USER, genesis_password=PASSWORD, online="1",
                snapshot_dir=str(tmp_path / "snap"), warehouse_path=str(tmp_path / "wh.duckdb"))
    return Settings(**{**base, **over})


def client(srv, tmp_path, host="regionalstatistik", **over) -> GenesisClient:
    s = settings(srv, tmp_path, **over)
    return GenesisClient(s, host, HttpClient(s, backoff=0.01, sleep=lambda _s: None))


def envelope(code: int, content: str, type_: str = "Information") -> Reply:
    body = {"Ident": {"Service": "data", "Method": "tablefile"},
            "Status": {"Code": code, "Content": content, "Type": type_}, "Parameter": {}}
    return Reply(200, json.dumps(body).encode(), "application/json")


def fallback(srv, tmp_path, caplog, **over):
    """Resolve the step input online while the server misbehaves: (path, snapshot origin, log text)."""
    s = settings(srv, tmp_path, **over)
    ctx = StepContext(dataset=DATASET, settings=s, store=SnapshotStore(s), entry=ENTRY)
    with caplog.at_level("WARNING"):
        path = ctx.input(FILE)
    stored = list((tmp_path / "snap").rglob("*")) if (tmp_path / "snap").exists() else []
    assert [p for p in stored if p.is_file()] == []   # nothing half-fetched was stored
    return path, ctx.snapshots[-1].origin, caplog.text


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_retried_then_one_error_and_the_mirror_is_used(server, tmp_path, caplog, status):
    server.route("data/tablefile", Reply(status, b"upstream trouble", "text/plain"))
    with pytest.raises(HttpError, match=rf"POST http://127.0.0.1:\d+/genesisws/rest/2020/data/tablefile: gave up "
                                        rf"after 2 attempt\(s\): HTTP {status}$"):
        client(server, tmp_path).tablefile("12411-01-01-4")
    path, origin, log = fallback(server, tmp_path, caplog)
    assert origin == "mirror" and path == MIRROR / DATASET / FILE
    assert f"fetching {FILE} failed" in log and f"HTTP {status}" in log


def test_timeout(server, tmp_path, caplog):
    server.route("data/tablefile", Reply(200, TABLE_ZIP.read_bytes(), "application/zip", delay=1.5))
    with pytest.raises(HttpError, match=r"gave up after 2 attempt\(s\): timed out after 0.3 s"):
        client(server, tmp_path, http_timeout="0.3").tablefile("12411-01-01-4")
    _, origin, log = fallback(server, tmp_path, caplog, http_timeout="0.3")
    assert origin == "mirror" and "timed out" in log


def test_connection_reset(server, tmp_path, caplog):
    server.route("data/tablefile", Reply(reset=True))
    with pytest.raises(HttpError, match=r"gave up after 2 attempt\(s\): connection failed \(ConnectionError: "
                                        r".*(reset|aborted)"):
        client(server, tmp_path).tablefile("12411-01-01-4")
    assert len(server.calls("data/tablefile")) == 2
    _, origin, log = fallback(server, tmp_path, caplog)
    assert origin == "mirror" and "connection failed" in log


def test_connection_reset_once_then_success(server, tmp_path):
    server.route("data/tablefile", Reply(reset=True), Reply(200, TABLE_ZIP.read_bytes(), "application/zip"))
    body, _ = client(server, tmp_path).tablefile("12411-01-01-4")
    assert body[:3] == b"\xef\xbb\xbf" and len(server.calls("data/tablefile")) == 2


def test_429_waits_retry_after_then_succeeds(server, tmp_path):
    waits: list[float] = []
    s = settings(server, tmp_path)
    c = GenesisClient(s, "regionalstatistik", HttpClient(s, backoff=0.01, sleep=waits.append))
    server.route("data/tablefile", Reply(429, b"slow down", "text/plain", headers={"Retry-After": "7"}),
                 Reply(200, TABLE_ZIP.read_bytes(), "application/zip"))
    body, _ = c.tablefile("12411-01-01-4")
    assert waits == [7.0] and body[:3] == b"\xef\xbb\xbf"


def test_429_exhausted(server, tmp_path):
    server.route("data/tablefile", Reply(429, b"slow down", "text/plain", headers={"Retry-After": "1"}))
    with pytest.raises(HttpError, match=r"gave up after 2 attempt\(s\): HTTP 429"):
        client(server, tmp_path).tablefile("12411-01-01-4")


def test_redirect_loop(server, tmp_path, caplog):
    server.route("files/loop.zip", Reply(302, b"", "text/plain", headers={"Location": "/genesisws/rest/2020/files/loop.zip"}))
    url = server.base_url + "files/loop.zip"
    fetch = fetcher_for({"kind": "download", "url": url, "extract": None}, settings(server, tmp_path))
    t0 = time.monotonic()
    with pytest.raises(HttpError, match=rf"GET {url}: redirect loop \(Exceeded \d+ redirects"):
        fetch()
    assert time.monotonic() - t0 < 10   # not retried: a loop stays a loop


def test_wrong_content_type_download_is_never_stored(server, tmp_path):
    server.route("files/data.zip", Reply(200, b"<!DOCTYPE html><html><body>Anmeldung erforderlich</body></html>",
                                         "text/html; charset=utf-8"))
    url = server.base_url + "files/data.zip"
    s = settings(server, tmp_path)
    with pytest.raises(HttpError, match=rf"GET {url}: wrong content type text/html \(an HTML page instead of the "
                                        r"file\): <!DOCTYPE html>"):
        fetcher_for({"kind": "download", "url": url, "extract": None}, s)()


def test_wrong_content_type_genesis(server, tmp_path):
    server.route("data/tablefile", Reply(200, b"<html>Wartungsarbeiten bis 06:00</html>", "text/html"))
    with pytest.raises(GenesisError, match=r"GENESIS regionalstatistik data/tablefile 12411-01-01-4: unexpected "
                                           r"HTML response \(text/html\)"):
        client(server, tmp_path).tablefile("12411-01-01-4")


def test_genesis_status_90(server, tmp_path, caplog):
    server.route("data/tablefile", envelope(90, "Die angeforderte Tabelle ist nicht vorhanden."))
    with pytest.raises(GenesisNotFound, match=r"GENESIS regionalstatistik data/tablefile 12411-01-01-4: status 90 "
                                              r"\(Information\): Die angeforderte Tabelle ist nicht vorhanden"):
        client(server, tmp_path).tablefile("12411-01-01-4")
    _, origin, log = fallback(server, tmp_path, caplog)
    assert origin == "mirror" and "status 90" in log


def test_job_98_99_that_never_finishes(server, tmp_path, caplog):
    server.route("data/tablefile",
                 Reply(200, (SAMPLES / "destatis_data_tablefile_12531-0043_status98_too_large.json").read_bytes(),
                       "application/json"),
                 Reply(200, (SAMPLES / "destatis_data_tablefile_12531-0043_job_true_status99.json").read_bytes(),
                       "application/json"))
    server.route("catalogue/results", Reply(200, (SAMPLES / "destatis_catalogue_results_job_pending.json").read_bytes(),
                                            "application/json"))
    with pytest.raises(GenesisJobTimeout, match=r"job 12531-0043_\d+ not finished after 0 s \(IA_JOB_MAX_WAIT=0.2\); "
                                                r"fetch it later with data/resultfile name=12531-0043_\d+"):
        client(server, tmp_path, host="destatis").tablefile("12531-0043")
    forms = [c.form for c in server.calls("data/tablefile")]
    assert [f["job"] for f in forms] == ["false", "true"]          # 98 -> the same request with job=true
    assert len(server.calls("catalogue/results")) >= 2 and not server.calls("data/resultfile")


def test_errors_never_carry_the_credentials(server, tmp_path):
    server.route("data/tablefile", Reply(500, b"boom", "text/plain"))
    with pytest.raises(HttpError) as info:
        client(server, tmp_path).tablefile("12411-01-01-4")
    assert USER not in str(info.value) and PASSWORD not in str(info.value)
