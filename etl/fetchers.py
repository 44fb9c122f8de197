"""Turn a catalogue fetch spec (`files[].fetch`) into a fetcher for the snapshot store.

A fetcher is a zero-argument callable returning (body, url); building one does no network
I/O, so steps can build them offline and the store decides whether to call them (IA_ONLINE).

Specs:
- {kind: download, url: ..., extract: null} -> GET the URL, body as delivered.
- {kind: genesis, host: regionalstatistik|destatis|zensus, table: ..., params: {...}, extract: csv}
  -> GENESIS data/tablefile (background job if needed). `extract: csv` returns the ffcsv CSV
  bytes (what steps reading *.csv expect); `keep_zip: true` (or `extract: null`) keeps the zip
  as the service delivered it (steps whose stored file is a *.zip).
"""
from __future__ import annotations

from .clients.genesis import GenesisClient
from .errors import EtlError
from .http import HttpClient
from .settings import Settings
from .snapshots import Fetcher


def _keep_zip(spec: dict) -> bool:
    if "keep_zip" in spec:
        return bool(spec["keep_zip"])
    extract = spec.get("extract", "csv")
    if extract not in (None, "csv"):
        raise EtlError(f"fetch spec {spec}: extract must be 'csv' or null, not {extract!r}")
    return extract is None


def fetcher_for(spec: dict, settings: Settings, http: HttpClient | None = None) -> Fetcher:
    kind = spec.get("kind")
    if kind == "download":
        if spec.get("extract") not in (None,):
            raise EtlError(f"fetch spec {spec}: downloads are stored as delivered (extract: null)")
        url = spec["url"]
        client = http or HttpClient(settings)
        return lambda: client.download(url)
    if kind == "genesis":
        table, host = spec["table"], spec["host"]
        params = dict(spec.get("params") or {})
        keep_zip = _keep_zip(spec)

        def fetch() -> tuple[bytes, str]:
            # the client is built at call time: its credential warning belongs to an actual fetch
            return GenesisClient(settings, host, http).tablefile(table, params, keep_zip=keep_zip)
        return fetch
    raise EtlError(f"unknown fetch kind {kind!r} in spec {spec}; expected 'download' or 'genesis'")
