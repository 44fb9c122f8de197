"""The one way the ETL talks HTTP: a polite session with timeouts, retries and one request per host.

Why a wrapper instead of bare `requests`: the publishers (regionalstatistik.de, GENESIS-Online,
Zensus DB, BBSR ...) are shared public services. Every request gets the project's User-Agent,
a timeout (`IA_HTTP_TIMEOUT`), exponential backoff on 5xx / 429 / timeouts / connection errors
(`IA_HTTP_RETRIES` retries, honouring `Retry-After`), and a per-host lock so the ETL never sends
two requests to the same host at once, whatever the caller's threading.
Errors are raised as `HttpError` naming method, URL (never credentials: those travel in headers)
and what went wrong.
"""
from __future__ import annotations

import email.utils
import logging
import threading
import time
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from .errors import EtlError
from .settings import Settings

log = logging.getLogger(__name__)

USER_AGENT = "integrationsatlas-etl/0.1 (Integrationsatlas: municipal migration/integration statistics; python-requests)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
DEFAULT_BACKOFF = 1.0      # seconds before the first retry; doubles each time
MAX_BACKOFF = 60.0         # cap of one exponential wait
MAX_RETRY_AFTER = 300.0    # a longer Retry-After is capped (and logged) rather than obeyed blindly


class HttpError(EtlError):
    """A request failed for good (non-retryable status, or retries exhausted)."""

    def __init__(self, message: str, status: int | None = None, url: str | None = None):
        self.status, self.url = status, url
        super().__init__(message)


class _Retryable(Exception):
    """Internal: one attempt failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None):
        self.reason, self.retry_after = reason, retry_after
        super().__init__(reason)


# -- one request at a time per host ------------------------------------------------
_HOST_LOCKS: dict[str, threading.Lock] = {}
_HOST_LOCKS_GUARD = threading.Lock()


def host_lock(url: str) -> threading.Lock:
    """Process-wide lock for scheme://host:port of `url` (shared by every session and client)."""
    parts = urlsplit(url)
    key = f"{parts.scheme}://{parts.netloc.lower()}"
    with _HOST_LOCKS_GUARD:
        return _HOST_LOCKS.setdefault(key, threading.Lock())


def make_session() -> requests.Session:
    """The session factory: project User-Agent. Retries are done by `HttpClient`, not the adapter,
    so that Retry-After, backoff and logging live in one place."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HttpClient:
    """Timeouts, retries with backoff, per-host serialisation. One per fetcher is fine: the
    per-host locks are process-wide."""

    def __init__(self, settings: Settings, session: requests.Session | None = None,
                 backoff: float | None = None, sleep=time.sleep):
        self.timeout = float(settings.http_timeout)
        self.retries = int(settings.http_retries)
        # `http_backoff` is not a setting (yet); getattr keeps the door open without a new knob
        self.backoff = float(backoff if backoff is not None else getattr(settings, "http_backoff", DEFAULT_BACKOFF))
        self.session = session or make_session()
        self._sleep = sleep

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        exp = min(MAX_BACKOFF, self.backoff * 2 ** (state.attempt_number - 1))
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            if exc.retry_after > MAX_RETRY_AFTER:
                log.warning("Retry-After %.0f s capped at %.0f s", exc.retry_after, MAX_RETRY_AFTER)
            return max(min(exc.retry_after, MAX_RETRY_AFTER), 0.0)
        return exp

    def _attempt(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            resp = self.session.request(method, url, timeout=(self.timeout, self.timeout), **kwargs)
        except requests.Timeout as exc:
            raise _Retryable(f"timed out after {self.timeout:g} s ({type(exc).__name__})") from None
        except requests.ConnectionError as exc:
            raise _Retryable(f"connection failed ({exc.__class__.__name__}: {_short(exc)})") from None
        except requests.TooManyRedirects as exc:  # a redirect loop: retrying would loop again
            raise HttpError(f"{method} {url}: redirect loop ({_short(exc)})", url=url) from None
        except requests.RequestException as exc:  # invalid URL, chunked encoding broken off, …: one line
            raise HttpError(f"{method} {url}: {type(exc).__name__}: {_short(exc)}", url=url) from None
        if resp.status_code in RETRY_STATUS:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            raise _Retryable(f"HTTP {resp.status_code}", retry_after)
        return resp

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """One logical request (with retries); holds the host lock throughout so retries and
        Retry-After pauses also keep other threads off that host."""
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception()
            log.warning("%s %s: %s; retry %d/%d in %.2f s", method, url, exc,
                        state.attempt_number, self.retries, state.upcoming_sleep)

        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=before_sleep,
            sleep=self._sleep,
            reraise=True,
        )
        with host_lock(url):
            try:
                resp = retrying(self._attempt, method, url, **kwargs)
            except _Retryable as exc:
                raise HttpError(f"{method} {url}: gave up after {self.retries + 1} attempt(s): {exc.reason}",
                                url=url) from None
        if resp.status_code >= 400:
            hint = ""
            if resp.status_code in (401, 403):
                hint = " (check credentials IA_GENESIS_USER / IA_GENESIS_PASSWORD)"
            raise HttpError(f"{method} {url}: HTTP {resp.status_code}{hint}: {_short(resp.text)}",
                            status=resp.status_code, url=url)
        return resp

    def download(self, url: str) -> tuple[bytes, str]:
        """A plain GET for kind 'download'; the snapshot store hashes and stores the body."""
        resp = self.request("GET", url)
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        path = urlsplit(url).path.lower()
        if ("html" in ctype or resp.content.lstrip()[:1] == b"<" and b"<html" in resp.content[:2000].lower()) \
                and not path.endswith((".html", ".htm", ".xml")):
            # an error or login page delivered with 200 instead of the file: never stored as a snapshot
            raise HttpError(f"GET {url}: wrong content type {ctype or '?'} (an HTML page instead of the file): "
                            f"{_short(resp.text)}", status=resp.status_code, url=url)
        return resp.content, url


def _short(obj: object, n: int = 200) -> str:
    text = " ".join(str(obj).split())
    return text if len(text) <= n else text[:n] + "…"
