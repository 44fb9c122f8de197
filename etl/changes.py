"""Change detection before download: ask the publisher whether a source changed, fetch only what did.

Runs when IA_ONLINE=1, before the runner decides what to rebuild. Per catalogue file with a `fetch` spec:

- `kind: download` — a conditional GET with the validators the last fetch stored in the snapshot's
  `.meta.json` (`If-None-Match: <ETag>`, `If-Modified-Since: <Last-Modified>`). 304 → unchanged, nothing
  is downloaded. 200 → the body is compared with the stored copy (sha256); a different body becomes a new
  dated snapshot `<snapshot_dir>/<dataset>/<YYYY-MM-DD>/<file>` with the new validators.
- `kind: genesis` — `catalogue/modifieddata` (selection = table code, date = day of the last fetch): the
  table (or its statistic) listed → changed; status 104 ("keine Objekte") → unchanged. When modifieddata
  is refused or answers something else, `metadata/table` decides: its `Updated` timestamp later than the
  last fetch → changed. Only then is the table file requested (data/tablefile, background job if needed).
- no stored fetch yet (only the read-only mirror copy) → the file is fetched and compared by sha256.

The store then holds the newest snapshot of every file, and the runner's fingerprints (sha256 of every
input + step code) decide, offline, which datasets to rebuild: an unchanged source keeps its fingerprint
and is logged as `unchanged`. A failed check is not fatal: the file keeps its stored copy and the check
says why (network, credentials), so one unreachable publisher does not stop the other refreshes.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .clients.genesis import GenesisClient, GenesisError, parse_envelope
from .http import HttpClient
from .settings import Settings
from .snapshots import Snapshot, SnapshotStore

log = logging.getLogger(__name__)

NO_OBJECTS = 104


@dataclass
class FileCheck:
    dataset: str
    file: str
    status: str          # unchanged | updated | failed | no_fetch
    how: str             # etag | last-modified | modifieddata | metadata | sha256 | -
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _meta_path(snap: Snapshot) -> Path:
    p = Path(snap.path)
    return p.with_name(p.name + ".meta.json")


def _read_meta(snap: Snapshot | None) -> dict:
    if snap is None or snap.origin == "mirror":
        return {}
    try:
        return json.loads(_meta_path(snap).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _update_meta(snap: Snapshot, **extra) -> None:
    """Validators (ETag, Last-Modified) and the last check time live in the snapshot's sidecar; the data file
    itself is never rewritten."""
    p = _meta_path(snap)
    meta = _read_meta(snap)
    meta.update({k: v for k, v in extra.items() if v is not None})
    p.write_text(json.dumps(meta, indent=2), encoding="utf-8")


def _mirror_sha(store: SnapshotStore, dataset: str, f: dict) -> str | None:
    snap = store.peek(dataset, f["name"], f.get("folder"), f.get("path"))
    return snap.sha256 if snap else None


def _store_body(store: SnapshotStore, dataset: str, f: dict, body: bytes, url: str, how: str,
                validators: dict) -> FileCheck:
    digest = hashlib.sha256(body).hexdigest()
    before = _mirror_sha(store, dataset, f)
    snap = store.store(dataset, f["name"], body, url)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    _update_meta(snap, checked_at=now, **validators)
    if before == digest:
        return FileCheck(dataset, f["name"], "unchanged", "sha256", "body identical to the stored copy")
    return FileCheck(dataset, f["name"], "updated", how, f"new snapshot {snap.snapshot_id}")


# -- downloads: ETag / Last-Modified ------------------------------------------------------------

def check_download(store: SnapshotStore, dataset: str, f: dict, http: HttpClient) -> FileCheck:
    url = f["fetch"]["url"]
    latest = store.latest_snapshot(dataset, f["name"])
    meta = _read_meta(latest)
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    resp = http.request("GET", url, headers=headers)
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if resp.status_code == 304:
        if latest is not None:
            _update_meta(latest, checked_at=now)
        how = "etag" if "If-None-Match" in headers else "last-modified"
        return FileCheck(dataset, f["name"], "unchanged", how,
                         f"304 Not Modified ({'ETag ' + meta['etag'] if how == 'etag' else meta['last_modified']})")
    validators = {"etag": resp.headers.get("ETag"), "last_modified": resp.headers.get("Last-Modified")}
    how = "etag" if validators["etag"] else "last-modified" if validators["last_modified"] else "sha256"
    return _store_body(store, dataset, f, resp.content, url, how, validators)


# -- GENESIS: catalogue/modifieddata, metadata/table -----------------------------------------------

_DATE = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?")


def parse_genesis_date(text: str | None) -> dt.datetime | None:
    """'31.03.2025 11:18:07h' / '31.03.2025' / ISO → naive datetime (GENESIS times are German local time)."""
    if not text:
        return None
    m = _DATE.search(str(text))
    if m:
        d, mo, y, h, mi, s = m.groups()
        return dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    try:
        return dt.datetime.fromisoformat(str(text).strip()).replace(tzinfo=None)
    except ValueError:
        return None


def modified_since(client: GenesisClient, table: str, since: dt.datetime) -> tuple[bool | None, str, str]:
    """(changed?, how, detail); changed None = the service could not say."""
    try:
        body, _ = client.post("catalogue/modifieddata", {
            "selection": table, "type": "all", "date": since.strftime("%d.%m.%Y"), "pagelength": "100",
            "language": "de"})
        env = parse_envelope(body)
        if env.code == NO_OBJECTS:
            return False, "modifieddata", f"not listed as modified since {since:%d.%m.%Y} (status 104)"
        if env.code in (0, 22):
            statistic = table.split("-")[0]
            hits = []
            for item in env.body.get("List") or []:
                code = str(item.get("Code") or "")
                when = parse_genesis_date(item.get("Date"))
                if code in (table, statistic) and (when is None or when.date() >= since.date()):
                    hits.append(f"{code} {item.get('Type') or ''} {item.get('Date') or ''}".strip())
            if hits:
                return True, "modifieddata", "listed: " + "; ".join(hits)
            return False, "modifieddata", f"not listed as modified since {since:%d.%m.%Y}"
        detail = f"modifieddata status {env.code}: {env.content}"
    except GenesisError as exc:
        detail = f"modifieddata: {exc}"
    except Exception as exc:  # noqa: BLE001 - HTTP errors: fall back to the table's metadata
        detail = f"modifieddata: {exc}"
    try:
        meta = client.metadata_table(table)
        updated = parse_genesis_date((meta.get("Object") or {}).get("Updated"))
    except Exception as exc:  # noqa: BLE001
        return None, "metadata", f"{detail}; metadata/table: {exc}"
    if updated is None:
        return None, "metadata", f"{detail}; metadata/table has no Updated date"
    if updated > since:
        return True, "metadata", f"metadata/table Updated {updated:%d.%m.%Y %H:%M} after last fetch {since:%d.%m.%Y %H:%M}"
    return False, "metadata", f"metadata/table Updated {updated:%d.%m.%Y %H:%M}, not after last fetch {since:%d.%m.%Y %H:%M}"


def _since(meta: dict) -> dt.datetime | None:
    """When the stored copy was fetched, as German local time (GENESIS dates are local)."""
    raw = meta.get("fetched_at")
    if not raw:
        return None
    try:
        t = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if t.tzinfo is not None:
        try:
            from zoneinfo import ZoneInfo
            t = t.astimezone(ZoneInfo("Europe/Berlin"))
        except Exception:  # noqa: BLE001 - no tz database: UTC is close enough for a day-level check
            pass
    return t.replace(tzinfo=None)


def check_genesis(store: SnapshotStore, dataset: str, f: dict, settings: Settings, http: HttpClient) -> FileCheck:
    spec = f["fetch"]
    latest = store.latest_snapshot(dataset, f["name"])
    since = _since(_read_meta(latest))
    client = GenesisClient(settings, spec["host"], http)
    how, detail = "sha256", "no earlier fetch recorded"
    if since is not None:
        changed, how, detail = modified_since(client, spec["table"], since)
        if changed is False:
            _update_meta(latest, checked_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
            return FileCheck(dataset, f["name"], "unchanged", how, detail)
    from .fetchers import fetcher_for
    body, url = fetcher_for(spec, settings, http)()
    res = _store_body(store, dataset, f, body, url, how, {})
    res.detail = f"{detail}; {res.detail}"
    return res


# -- one dataset, many datasets -----------------------------------------------------------------

def check_dataset(entry: dict, store: SnapshotStore, settings: Settings, http: HttpClient | None = None
                  ) -> list[FileCheck]:
    http = http or HttpClient(settings)
    out = []
    for f in entry.get("files", []):
        spec = f.get("fetch") if isinstance(f, dict) else None
        if not spec:
            out.append(FileCheck(entry["id"], f["name"], "no_fetch", "-", "no fetch spec: stored copy used"))
            continue
        try:
            if spec.get("kind") == "download":
                out.append(check_download(store, entry["id"], f, http))
            elif spec.get("kind") == "genesis":
                out.append(check_genesis(store, entry["id"], f, settings, http))
            else:
                out.append(FileCheck(entry["id"], f["name"], "failed", "-", f"unknown fetch kind {spec.get('kind')!r}"))
        except Exception as exc:  # noqa: BLE001 - one unreachable source must not stop the others
            log.warning("%s: change check of %s failed: %s", entry["id"], f["name"], exc)
            out.append(FileCheck(entry["id"], f["name"], "failed", "-", f"{type(exc).__name__}: {exc}"))
    return out


def dataset_status(checks: list[FileCheck]) -> str:
    """updated if any file changed; unchanged if every fetchable file was confirmed unchanged; else checked."""
    st = {c.status for c in checks}
    if "updated" in st:
        return "updated"
    if st and st <= {"unchanged", "no_fetch"} and "unchanged" in st:
        return "unchanged"
    if "failed" in st:
        return "check_failed"
    return "no_fetch"


def check_all(catalogue: dict, datasets: list[str], store: SnapshotStore, settings: Settings,
              http: HttpClient | None = None, say=None) -> dict[str, list[FileCheck]]:
    http = http or HttpClient(settings)
    out = {}
    for ds in datasets:
        if say:
            say(f"checking {ds} for changes")
        out[ds] = check_dataset(catalogue[ds], store, settings, http)
    return out


def http_date(t: dt.datetime) -> str:
    return email.utils.format_datetime(t.astimezone(dt.timezone.utc), usegmt=True)
