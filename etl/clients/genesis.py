"""GENESIS REST 2020 client for regionalstatistik.de, GENESIS-Online (Destatis) and the Zensus 2022 DB.

All three run the same software: POST form parameters to `<base>/<service>/<method>`, credentials
in the `username` / `password` request headers (an API token works as username with an empty
password), never in the URL. Data come back as `application/zip` (ffcsv is always zipped) or text;
anything else is a JSON envelope whose `Status {Code, Content, Type}` says what happened:

- 0 "erfolgreich"; 22 "erfolgreich mit Parameteranpassung" (warning: the service changed a
  parameter, e.g. a year range) -> log and continue;
- 50 "Keine aktualisierten Daten vorhanden" (only when `stand` was sent) -> `GenesisNoNewData`;
- 90 "Die angeforderte Tabelle ist nicht vorhanden" -> `GenesisNotFound`;
- 98 "Die Tabelle ist zu gross ... job=true" -> the same request again with job=true;
- 99 "Der Bearbeitungsauftrag wurde erstellt ... <job name>" -> poll `catalogue/results`
  (selection=<job>, area=user; code 104 + empty List while pending) until the job is listed,
  then `data/resultfile name=<job> area=user`;
- 104 "Es gibt keine Objekte zum angegebenen Selektionskriterium" -> `GenesisNotFound`
  (except while polling a job, where it means "not finished yet");
- any other code, or Type "Fehler"/"Error" -> `GenesisError` with code and text.
Codes and texts: recorded responses in ../shared/opendata/genesis_api_samples_pystatis and the
status list documented in pystatis (CorrelAid) `http_helper._check_destatis_status`.
Authentication failures arrive as HTTP 401/403 (HttpError with a credentials hint).
"""
from __future__ import annotations

import io
import json
import logging
import re
import time
import zipfile
from dataclasses import dataclass
from urllib.parse import urlencode

from ..errors import EtlError
from ..http import HttpClient
from ..settings import Settings

log = logging.getLogger(__name__)

HOSTS = {"regionalstatistik": "regionalstatistik_url", "destatis": "destatis_url", "zensus": "zensus_url"}
TABLEFILE_DEFAULTS = {"area": "all", "format": "ffcsv", "compress": "false", "language": "de",
                      "quality": "off", "job": "false"}
JOB_NAME = re.compile(r":\s*(\S+_\d+)\s*\.?\s*$")

OK, PARAM_ADJUSTED, NO_NEW_DATA, NOT_FOUND, TOO_LARGE, JOB_CREATED, NO_OBJECTS = 0, 22, 50, 90, 98, 99, 104


class GenesisError(EtlError):
    """The service answered with an error status."""

    def __init__(self, message: str, code: int | None = None):
        self.code = code
        super().__init__(message)


class GenesisNotFound(GenesisError):
    """Table/object does not exist on this host (codes 90, 104)."""


class GenesisNoNewData(GenesisError):
    """Code 50: nothing newer than the `stand` that was sent."""


class GenesisJobTimeout(GenesisError):
    """A background job did not finish within IA_JOB_MAX_WAIT; its name lets a later run fetch it."""


@dataclass(frozen=True)
class Envelope:
    code: int
    content: str
    type: str
    body: dict


def parse_envelope(raw: bytes) -> Envelope:
    try:
        body = json.loads(raw.decode("utf-8"))
        status = body["Status"]
        return Envelope(int(status.get("Code", -1)), str(status.get("Content") or ""),
                        str(status.get("Type") or ""), body)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise GenesisError(f"response is not a GENESIS JSON envelope: {exc}") from None


def job_name(content: str) -> str:
    """'... mit folgendem Namen abgerufen werden: 12531-0043_175879554' -> '12531-0043_175879554'."""
    m = JOB_NAME.search(content)
    if not m:
        raise GenesisError(f"status 99 without a job name in {content!r}", JOB_CREATED)
    return m.group(1)


def unzip_single(raw: bytes, label: str) -> bytes:
    """The ffcsv zip holds exactly one *.csv (e.g. 12411-01-01-4_1773175772751_de_flat.csv)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
        if len(names) != 1:
            raise GenesisError(f"{label}: expected one CSV in the zip, found {zf.namelist()}")
        return zf.read(names[0])


class GenesisClient:
    def __init__(self, settings: Settings, host: str, http: HttpClient | None = None):
        if host not in HOSTS:
            raise EtlError(f"unknown GENESIS host '{host}'; expected one of {sorted(HOSTS)}")
        self.settings, self.host = settings, host
        self.base = getattr(settings, HOSTS[host]).rstrip("/") + "/"
        self.http = http or HttpClient(settings)
        self.poll = float(settings.job_poll_seconds)
        self.max_wait = float(settings.job_max_wait)
        if not settings.has_credentials:
            log.warning("GENESIS %s: no credentials set (IA_GENESIS_USER); requests are anonymous", host)

    # -- plumbing -------------------------------------------------------------
    def url(self, path: str, params: dict | None = None) -> str:
        """Provenance URL: endpoint plus the (credential-free) parameters that were POSTed."""
        url = self.base + path
        return f"{url}?{urlencode(sorted(params.items()))}" if params else url

    def post(self, path: str, params: dict) -> tuple[bytes, str]:
        """POST one form request; returns (body, content type)."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.settings.genesis_user:
            headers["username"] = self.settings.genesis_user
            headers["password"] = self.settings.genesis_password or ""
        resp = self.http.request("POST", self.base + path, data=params, headers=headers)
        return resp.content, resp.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def check(self, env: Envelope, what: str) -> Envelope:
        """Raise for error codes, log warnings; return the envelope for the caller's own codes."""
        msg = f"GENESIS {self.host} {what}: status {env.code} ({env.type}): {env.content}"
        if env.code == PARAM_ADJUSTED or env.type.lower() in ("warnung", "warning"):
            log.warning(msg)
            return env
        if env.code in (OK, TOO_LARGE, JOB_CREATED):
            return env
        if env.code == NO_NEW_DATA:
            raise GenesisNoNewData(msg, env.code)
        if env.code in (NOT_FOUND, NO_OBJECTS):
            raise GenesisNotFound(msg, env.code)
        raise GenesisError(msg, env.code)

    @staticmethod
    def _is_json(body: bytes, ctype: str) -> bool:
        return ctype.endswith("json") or body.lstrip()[:1] == b"{"

    def _data(self, body: bytes, ctype: str, label: str, keep_zip: bool) -> bytes:
        """zip -> the zip itself (keep_zip) or its single CSV; text -> as is; HTML -> error."""
        if body[:2] == b"PK":
            return body if keep_zip else unzip_single(body, label)
        if body.lstrip()[:1] == b"<" or "html" in ctype:
            raise GenesisError(f"GENESIS {self.host} {label}: unexpected HTML response ({ctype})")
        if keep_zip:
            log.warning("GENESIS %s %s: asked to keep a zip but got %s; storing as delivered", self.host, label, ctype)
        return body

    # -- services -------------------------------------------------------------
    def metadata_table(self, table: str, language: str = "de") -> dict:
        body, _ = self.post("metadata/table", {"name": table, "area": "all", "language": language})
        env = self.check(parse_envelope(body), f"metadata/table {table}")
        return env.body

    def tablefile(self, table: str, params: dict | None = None, keep_zip: bool = False) -> tuple[bytes, str]:
        """(ffcsv bytes or the delivered zip, provenance URL) for one table; runs a background
        job when the table is too large (98) or job=true was asked for (99)."""
        form = {**TABLEFILE_DEFAULTS, **{k: str(v) for k, v in (params or {}).items()}, "name": table}
        label = f"data/tablefile {table}"
        body, ctype = self.post("data/tablefile", form)
        if self._is_json(body, ctype):
            env = self.check(parse_envelope(body), label)
            if env.code == TOO_LARGE and form.get("job") != "true":
                log.warning("GENESIS %s %s: too large for a direct download; starting a background job",
                            self.host, table)
                form = {**form, "job": "true"}
                body, ctype = self.post("data/tablefile", form)
                if not self._is_json(body, ctype):
                    return self._data(body, ctype, label, keep_zip), self.url("data/tablefile", form)
                env = self.check(parse_envelope(body), label + " job=true")
            if env.code == JOB_CREATED:
                job = job_name(env.content)
                log.info("GENESIS %s %s: background job %s created", self.host, table, job)
                self.wait_for_job(job)
                return self.resultfile(job, form, keep_zip)
            raise GenesisError(f"GENESIS {self.host} {label}: status {env.code} without data: {env.content}",
                               env.code)
        return self._data(body, ctype, label, keep_zip), self.url("data/tablefile", form)

    def wait_for_job(self, job: str) -> None:
        """Poll catalogue/results until the job is listed (finished), at most IA_JOB_MAX_WAIT seconds."""
        params = {"selection": job, "area": "user", "pagelength": "1"}
        start = time.monotonic()
        polls = 0
        while True:
            body, _ = self.post("catalogue/results", params)
            polls += 1
            env = parse_envelope(body)
            if env.code != NO_OBJECTS:  # 104 = not (yet) among the user's results
                self.check(env, f"catalogue/results {job}")
                listed = env.body.get("List") or []
                if any(str(item.get("Code")) == job for item in listed):
                    log.info("GENESIS %s: job %s finished after %d poll(s)", self.host, job, polls)
                    return
            waited = time.monotonic() - start
            if waited + self.poll > self.max_wait:
                raise GenesisJobTimeout(
                    f"GENESIS {self.host}: job {job} not finished after {waited:.0f} s (IA_JOB_MAX_WAIT="
                    f"{self.max_wait:g}); fetch it later with data/resultfile name={job} area=user", NO_OBJECTS)
            time.sleep(self.poll)

    def resultfile(self, job: str, form: dict | None = None, keep_zip: bool = False) -> tuple[bytes, str]:
        form = form or {}
        params = {"name": job, "area": "user", **{k: form.get(k, TABLEFILE_DEFAULTS[k]) for k in
                                                 ("format", "compress", "language", "quality")}}
        body, ctype = self.post("data/resultfile", params)
        label = f"data/resultfile {job}"
        if self._is_json(body, ctype):
            env = self.check(parse_envelope(body), label)
            raise GenesisError(f"GENESIS {self.host} {label}: status {env.code} without data: {env.content}",
                               env.code)
        return self._data(body, ctype, label, keep_zip), self.url("data/resultfile", params)
