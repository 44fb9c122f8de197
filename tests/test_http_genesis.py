"""The HTTP path against a real local server replaying recorded GENESIS responses.

Replayed bodies are read at test time from ../shared/opendata/genesis_api_samples_pystatis and
../shared/opendata/destatis_12531_schutzsuchende_2024 (never copied into the repo); the few
envelopes for codes 22/50/90 are written here by hand in the recorded shape.
Everything talks to 127.0.0.1 only.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from pathlib import Path

import pytest

from etl.clients.genesis import (GenesisClient, GenesisError, GenesisJobTimeout, GenesisNoNewData,
                                 GenesisNotFound, job_name)
from etl.fetchers import fetcher_for
from etl.http import HttpClient, HttpError, parse_retry_after
from etl.parsers.ffcsv import read_ffcsv
from etl.settings import Settings, get_settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext
from tests.replay_server import Gauge, ReplayServer, Reply

pytestmark = pytest.mark.http

MIRROR = get_settings().mirror
SAMPLES = MIRROR / "genesis_api_samples_pystatis"
RESULT_ZIP = MIRROR / "destatis_12531_schutzsuchende_2024" / "12531-0043_2024-12-31_resultfile_ffcsv.zip"
if not SAMPLES.is_dir() or not RESULT_ZIP.is_file():
    pytest.skip(f"recorded GENESIS samples not in {MIRROR}", allow_module_level=True)

TABLE_ZIP = SAMPLES / "regionalstatistik_data_tablefile_12411-01-01-4_ffcsv_de.zip"
JOB = "12531-0043_175879554"
USER, PASSWORD = "tok-user-123", "s3cret-pw"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def zip_reply(data: bytes | None = None, **kw) -> Reply:
    return Reply(200, data if data is not None else TABLE_ZIP.read_bytes(), "application/zip", **kw)


def json_reply(name: str) -> Reply:
    return Reply(200, sample(name), "application/json;charset=UTF-8")


def envelope(code: int, content: str, type_: str = "Information", **extra) -> Reply:
    """Hand-written envelope in the recorded shape (Ident/Status/Parameter/...)."""
    body = {"Ident": {"Service": "data", "Method": "tablefile"},
            "Status": {"Code": code, "Content": content, "Type": type_}, "Parameter": {}, **extra}
    return Reply(200, json.dumps(body).encode(), "application/json")


@pytest.fixture(autouse=True)
def _local_only(monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture()
def server():
    with ReplayServer() as srv:
        yield srv


def make_settings(srv: ReplayServer, tmp_path: Path, **over) -> Settings:
    base = dict(regionalstatistik_url=srv.base_url, destatis_url=srv.base_url, zensus_url=srv.base_url,
                http_timeout="0.5", http_retries="2", job_poll_seconds="0.01", job_max_wait="2",
                genesis_user=USER, genesis_password=PASSWORD, online="1",
                snapshot_dir=str(tmp_path / "snap"), warehouse_path=str(tmp_path / "wh.duckdb"))
    base.update(over)
    return Settings(**base)


def client(srv, tmp_path, host="regionalstatistik", sleep=time.sleep, **over) -> GenesisClient:
    settings = make_settings(srv, tmp_path, **over)
    return GenesisClient(settings, host, HttpClient(settings, backoff=0.01, sleep=sleep))


def leipzig_total(df) -> float:
    row = df[(df["1_variable_attribute_code"] == "14713") & (df["2_variable_attribute_code"] == "")
             & (df["time"] == "2024-12-31")]
    assert len(row) == 1
    return float(row["num"].iloc[0])


# (a) ------------------------------------------------------------------------------------
def test_tablefile_zip_is_unpacked_to_ffcsv(server, tmp_path):
    server.route("data/tablefile", zip_reply())
    body, url = client(server, tmp_path).tablefile("12411-01-01-4", {"startyear": "2024", "endyear": "2024"})
    assert body[:3] == b"\xef\xbb\xbf" and b"statistics_code;" in body[:40]
    assert leipzig_total(read_ffcsv(body)) == 611850
    form = server.calls("data/tablefile")[0].form
    assert form["name"] == "12411-01-01-4" and form["format"] == "ffcsv" and form["startyear"] == "2024"
    assert url.startswith(server.base_url + "data/tablefile?") and "name=12411-01-01-4" in url


def test_keep_zip_returns_the_zip_as_delivered(server, tmp_path):
    server.route("data/tablefile", zip_reply())
    body, _ = client(server, tmp_path).tablefile("12411-01-01-4", keep_zip=True)
    assert body == TABLE_ZIP.read_bytes()


def test_metadata_table(server, tmp_path):
    server.route("metadata/table", json_reply("regionalstatistik_metadata_table_12411-01-01-4_de.json"))
    meta = client(server, tmp_path).metadata_table("12411-01-01-4")
    assert meta["Object"]["Time"] == {"From": "31.12.1995", "To": "31.12.2024"}


# (b) ------------------------------------------------------------------------------------
def test_too_large_table_runs_a_background_job(server, tmp_path):
    server.route("data/tablefile", json_reply("destatis_data_tablefile_12531-0043_status98_too_large.json"),
                 json_reply("destatis_data_tablefile_12531-0043_job_true_status99.json"))
    server.route("catalogue/results", json_reply("destatis_catalogue_results_job_pending.json"),
                 json_reply("destatis_catalogue_results_job_pending.json"),
                 json_reply("destatis_catalogue_results_job_finished.json"))
    server.route("data/resultfile", zip_reply(RESULT_ZIP.read_bytes()))
    body, url = client(server, tmp_path, host="destatis").tablefile("12531-0043", {"compress": "true"})

    first, second = server.calls("data/tablefile")
    assert first.form["job"] == "false" and second.form["job"] == "true"
    polls = server.calls("catalogue/results")
    assert len(polls) == 3 and all(p.form["selection"] == JOB and p.form["area"] == "user" for p in polls)
    (result,) = server.calls("data/resultfile")
    assert result.form["name"] == JOB and result.form["area"] == "user"
    assert f"name={JOB}" in url and "data/resultfile" in url

    df = read_ffcsv(body)
    leipzig = df[(df["1_variable_attribute_code"] == "14713")
                 & df["2_variable_attribute_code"].isin(["SCHUTZST-OF", "SCHUTZST-AK-1", "SCHUTZST-X"])]
    assert leipzig["num"].sum() == 29055  # SOURCE.md spot check (OF + AK-1 + X)


def test_catalogue_spec_with_job_true_keeps_the_resultfile_zip(server, tmp_path):
    server.route("data/tablefile", json_reply("destatis_data_tablefile_12531-0043_job_true_status99.json"))
    server.route("catalogue/results", json_reply("destatis_catalogue_results_job_finished.json"))
    server.route("data/resultfile", zip_reply(RESULT_ZIP.read_bytes()))
    spec = {"kind": "genesis", "host": "destatis", "table": "12531-0043", "extract": None,
            "params": {"startyear": "2024", "endyear": "2024", "compress": "true", "job": "true"}}
    body, _ = fetcher_for(spec, make_settings(server, tmp_path))()
    assert len(server.calls("data/tablefile")) == 1  # job=true asked for up front: no 98 round trip
    assert hashlib.sha256(body).hexdigest() == \
        "2dd47101b166f430e3f347cecd446ce39381ba8e9de8993f02a8304c1aa650a9"


def test_job_that_never_finishes_times_out_naming_the_job(server, tmp_path):
    server.route("data/tablefile", json_reply("destatis_data_tablefile_12531-0043_job_true_status99.json"))
    server.route("catalogue/results", json_reply("destatis_catalogue_results_job_pending.json"))
    c = client(server, tmp_path, host="destatis", job_max_wait="0.1")
    with pytest.raises(GenesisJobTimeout, match=JOB):
        c.tablefile("12531-0043", {"job": "true"})
    assert len(server.calls("catalogue/results")) >= 2  # polled, then gave up
    assert not server.calls("data/resultfile")


def test_job_name_from_status_99_text():
    content = json.loads(sample("destatis_data_tablefile_12531-0043_job_true_status99.json"))["Status"]["Content"]
    assert job_name(content) == JOB
    with pytest.raises(GenesisError, match="without a job name"):
        job_name("Der Bearbeitungsauftrag wurde erstellt.")


@pytest.mark.parametrize("reply, error, text", [
    (envelope(90, "Die angeforderte Tabelle ist nicht vorhanden"), GenesisNotFound, "status 90"),
    (envelope(104, "Es gibt keine Objekte zum angegebenen Selektionskriterium"), GenesisNotFound, "status 104"),
    (envelope(50, "Keine aktualisierten Daten vorhanden."), GenesisNoNewData, "status 50"),
    (envelope(12, "Unbekannter Fehler", "Fehler"), GenesisError, "status 12"),
    (Reply(200, b"<html>Wartungsarbeiten</html>", "text/html"), GenesisError, "unexpected HTML"),
])
def test_error_envelopes_raise_clear_errors(server, tmp_path, reply, error, text):
    server.route("data/tablefile", reply)
    with pytest.raises(error, match=text):
        client(server, tmp_path).tablefile("99999-01-01-4")


def test_code_22_is_a_warning_and_the_job_still_completes(server, tmp_path, caplog):
    server.route("data/tablefile", json_reply("destatis_data_tablefile_12531-0043_job_true_status99.json"))
    server.route("catalogue/results", envelope(22, "erfolgreich mit Parameteranpassung", "Warnung",
                                               List=[{"Code": JOB, "Content": "x", "Values": "1"}]))
    server.route("data/resultfile", zip_reply())
    with caplog.at_level("WARNING"):
        body, _ = client(server, tmp_path, host="destatis").tablefile("12531-0043", {"job": "true"})
    assert "Parameteranpassung" in caplog.text
    assert leipzig_total(read_ffcsv(body)) == 611850


def test_unauthorised_names_the_credential_settings(server, tmp_path):
    server.route("data/tablefile", Reply(401, b"Unauthorized", "text/plain"))
    with pytest.raises(HttpError, match="IA_GENESIS_USER"):
        client(server, tmp_path).tablefile("12411-01-01-4")
    assert len(server.requests) == 1  # 4xx is not retried


# (c) (d) (e) ------------------------------------------------------------------------------
def test_503_once_then_success(server, tmp_path):
    server.route("data/tablefile", Reply(503, b"busy", "text/plain"), zip_reply())
    body, _ = client(server, tmp_path).tablefile("12411-01-01-4")
    assert len(server.requests) == 2
    assert leipzig_total(read_ffcsv(body)) == 611850


def test_timeout_then_success(server, tmp_path):
    server.route("data/tablefile", zip_reply(delay=0.8), zip_reply())
    body, _ = client(server, tmp_path, http_timeout="0.2").tablefile("12411-01-01-4")
    assert len(server.requests) == 2 and body[:3] == b"\xef\xbb\xbf"


def test_timeouts_exhaust_the_retries_with_a_clear_error(server, tmp_path):
    server.route("data/tablefile", zip_reply(delay=0.6))
    with pytest.raises(HttpError, match=r"POST .*data/tablefile: gave up after 3 attempt\(s\): timed out"):
        client(server, tmp_path, http_timeout="0.2", http_retries="2").tablefile("12411-01-01-4")
    assert len(server.requests) == 3


def test_5xx_exhaustion(server, tmp_path):
    server.route("data/tablefile", Reply(502, b"bad gateway", "text/plain"))
    with pytest.raises(HttpError, match=r"gave up after 2 attempt\(s\): HTTP 502"):
        client(server, tmp_path, http_retries="1").tablefile("12411-01-01-4")


def test_429_respects_retry_after(server, tmp_path):
    waits: list[float] = []
    server.route("data/tablefile", Reply(429, b"slow down", "text/plain", headers={"Retry-After": "3"}),
                 Reply(503, b"", "text/plain"), zip_reply())
    client(server, tmp_path, sleep=waits.append).tablefile("12411-01-01-4")
    assert len(server.requests) == 3
    assert waits == [3.0, 0.02]  # Retry-After obeyed, then exponential backoff (0.01 * 2**1)


def test_retry_after_forms():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 < parse_retry_after(later) <= 30


# (f) ------------------------------------------------------------------------------------
def test_credentials_travel_in_headers_only(server, tmp_path):
    server.route("data/tablefile", zip_reply())
    _, url = client(server, tmp_path).tablefile("12411-01-01-4")
    (req,) = server.requests
    assert req.method == "POST"
    assert req.headers["username"] == USER and req.headers["password"] == PASSWORD
    assert req.headers["user-agent"].startswith("integrationsatlas-etl/")
    for where in (req.raw_path, json.dumps(req.form), url):
        assert USER not in where and PASSWORD not in where


# (g) ------------------------------------------------------------------------------------
def _hammer(http: HttpClient, urls: list[str]) -> None:
    threads = [threading.Thread(target=http.request, args=("GET", u)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_one_request_at_a_time_per_host(server, tmp_path):
    server.route("slow", Reply(200, b"ok", "text/plain", delay=0.1))
    http = HttpClient(make_settings(server, tmp_path))
    _hammer(http, [server.base_url + "slow"] * 4)
    assert len(server.requests) == 4 and server.gauge.max_active == 1


def test_different_hosts_do_run_concurrently(tmp_path):
    """Shows the gauge can see overlap, so the test above can fail."""
    gauge = Gauge()
    with ReplayServer(gauge) as a, ReplayServer(gauge) as b:
        for srv in (a, b):
            srv.route("slow", Reply(200, b"ok", "text/plain", delay=0.3))
        _hammer(HttpClient(make_settings(a, tmp_path)), [a.base_url + "slow", b.base_url + "slow"])
    assert gauge.max_active == 2


# (h) ------------------------------------------------------------------------------------
DATASET = "regionalstatistik_12411_bevoelkerung"
FILE = "12411-01-01-4_2024-12-31_de_flat.csv"
ENTRY = {"id": DATASET, "files": [{"name": FILE, "fetch": {
    "kind": "genesis", "host": "regionalstatistik", "table": "12411-01-01-4",
    "params": {"startyear": "2024", "endyear": "2024"}, "extract": "csv"}}]}


def test_end_to_end_snapshot_reuse_and_mirror_fallback(server, tmp_path, caplog):
    server.route("data/tablefile", zip_reply())
    settings = Settings(online="1", regionalstatistik_url=server.base_url, snapshot_dir=str(tmp_path / "snap"),
                        genesis_user=USER, genesis_password=PASSWORD, http_timeout="0.5", http_retries="0")
    ctx = StepContext(dataset=DATASET, settings=settings, store=SnapshotStore(settings), entry=ENTRY)

    path = ctx.input(FILE)
    assert path.parent.parent == tmp_path / "snap" / DATASET and path.parent.name == dt.date.today().isoformat()
    meta = json.loads(Path(str(path) + ".meta.json").read_text())
    body = path.read_bytes()
    assert meta["sha256"] == hashlib.sha256(body).hexdigest() and meta["size"] == len(body) == 301376
    assert meta["url"].startswith(server.base_url + "data/tablefile?") and PASSWORD not in meta["url"]
    assert ctx.snapshots[-1].origin == "http"
    # the replayed CSV is the very file the mirror holds
    assert meta["sha256"] == hashlib.sha256((MIRROR / DATASET / FILE).read_bytes()).hexdigest()

    again = ctx.input(FILE)
    assert again == path and len(server.requests) == 2
    assert [p.name for p in (tmp_path / "snap" / DATASET).iterdir()] == [path.parent.name]

    base = server.base_url
    server.stop()
    down = Settings(online="1", regionalstatistik_url=base, snapshot_dir=str(tmp_path / "empty"),
                    http_timeout="0.5", http_retries="0")
    ctx2 = StepContext(dataset=DATASET, settings=down, store=SnapshotStore(down), entry=ENTRY)
    with caplog.at_level("INFO"):
        fallback = ctx2.input(FILE)
    assert ctx2.snapshots[-1].origin == "mirror" and fallback == MIRROR / DATASET / FILE
    assert "fetching 12411-01-01-4_2024-12-31_de_flat.csv failed" in caplog.text
    assert "connection failed" in caplog.text and "read-only mirror" in caplog.text


def test_offline_context_never_calls_the_server(server, tmp_path):
    server.route("data/tablefile", zip_reply())
    settings = Settings(online="0", regionalstatistik_url=server.base_url, snapshot_dir=str(tmp_path / "snap"))
    ctx = StepContext(dataset=DATASET, settings=settings, store=SnapshotStore(settings), entry=ENTRY)
    assert ctx.input(FILE) == MIRROR / DATASET / FILE and not server.requests


def test_download_fetcher(server, tmp_path):
    server.route("files/a.csv", Reply(200, b"x;y\n1;2\n", "text/csv"))
    url = server.base_url + "files/a.csv"
    body, got = fetcher_for({"kind": "download", "url": url, "extract": None}, make_settings(server, tmp_path))()
    assert (body, got) == (b"x;y\n1;2\n", url) and server.requests[0].method == "GET"


def test_bad_specs_are_rejected(tmp_path):
    s = Settings(snapshot_dir=str(tmp_path))
    with pytest.raises(Exception, match="unknown fetch kind"):
        fetcher_for({"kind": "ftp"}, s)
    with pytest.raises(Exception, match="extract must be"):
        fetcher_for({"kind": "genesis", "host": "destatis", "table": "t", "extract": "xlsx"}, s)
    with pytest.raises(Exception, match="unknown GENESIS host"):
        fetcher_for({"kind": "genesis", "host": "nowhere", "table": "t"}, s)()
