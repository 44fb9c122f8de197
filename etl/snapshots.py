"""Dated, immutable snapshots of every input file, with origin metadata.

Resolution order for one (dataset, file):
1. online and a fetcher is given -> fetch, write `<snapshot_dir>/<dataset>/<YYYY-MM-DD>/<file>`
   plus `<file>.meta.json` (url, fetched_at, sha256, size); an identical file already
   stored is reused rather than duplicated;
2. the newest snapshot already in the writable snapshot directory;
3. the read-only mirror `<mirror>/<folder>/<path>` (../shared/opendata), origin "mirror". A dataset (one
   official table) may span several store folders: each catalogue file names its `folder` (one retrieval)
   and its `path` there; `filename` is the file's unique name within the dataset.
A snapshot file is never overwritten: a different body fetched on the same day gets a
`-2`, `-3` ... directory suffix.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .errors import MissingInputError
from .settings import Settings

log = logging.getLogger(__name__)

REFERENCE_DATASETS = frozenset({"reference_case_studies"})
Fetcher = Callable[[], tuple[bytes, str]]  # returns (body, url)


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: str
    dataset: str
    filename: str
    path: str
    sha256: str
    size: int
    origin: str  # http | snapshot | mirror
    url: str | None
    fetched_at: str | None

    def as_row(self) -> dict:
        return asdict(self)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_SHA_CACHE: dict[tuple[str, int, int], str] = {}


def cached_sha256(path: Path) -> str:
    """sha256 keyed by (path, size, mtime): re-runs with unchanged inputs do not re-hash."""
    st = path.stat()
    key = (str(path), st.st_size, int(st.st_mtime_ns))
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


class SnapshotStore:
    def __init__(self, settings: Settings):
        self.settings = settings

    # -- lookup -----------------------------------------------------------
    def _stored_versions(self, dataset: str, filename: str) -> list[Path]:
        base = self.settings.snapshots / dataset
        if not base.is_dir():
            return []
        return sorted(p for p in base.glob(f"*/{filename}") if p.is_file())

    def latest_snapshot(self, dataset: str, filename: str) -> Snapshot | None:
        versions = self._stored_versions(dataset, filename)
        if not versions:
            return None
        path = versions[-1]
        meta_path = path.with_name(path.name + ".meta.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        return Snapshot(
            snapshot_id=f"{dataset}/{path.parent.name}/{filename}",
            dataset=dataset, filename=filename, path=str(path),
            sha256=meta.get("sha256") or cached_sha256(path), size=path.stat().st_size,
            origin="snapshot", url=meta.get("url"), fetched_at=meta.get("fetched_at"),
        )

    def mirror_root(self, dataset: str, folder: str | None = None) -> Path:
        """Reference tables (../shared/reference) are flat; opendata has one folder per retrieval."""
        if dataset in REFERENCE_DATASETS:
            return self.settings.reference
        return self.settings.mirror / (folder or dataset)

    def mirror_snapshot(self, dataset: str, filename: str, folder: str | None = None,
                        path_in_folder: str | None = None) -> Snapshot | None:
        path = self.mirror_root(dataset, folder) / (path_in_folder or filename)
        if not path.is_file():
            return None
        return Snapshot(
            snapshot_id=f"mirror:{folder or dataset}/{path_in_folder or filename}", dataset=dataset, filename=filename,
            path=str(path), sha256=cached_sha256(path), size=path.stat().st_size,
            origin="mirror", url=None, fetched_at=None,
        )

    # -- write ------------------------------------------------------------
    def store(self, dataset: str, filename: str, body: bytes, url: str,
              today: dt.date | None = None) -> Snapshot:
        digest = hashlib.sha256(body).hexdigest()
        latest = self.latest_snapshot(dataset, filename)
        if latest and latest.sha256 == digest:
            return latest
        day = (today or dt.date.today()).isoformat()
        base = self.settings.snapshots / dataset
        folder, n = base / day, 1
        while (folder / filename).exists():
            n += 1
            folder = base / f"{day}-{n}"
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (filename + ".part")
        tmp.write_bytes(body)
        tmp.rename(folder / filename)
        fetched_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        meta = {"dataset": dataset, "file": filename, "url": url, "fetched_at": fetched_at,
                "sha256": digest, "size": len(body)}
        (folder / (filename + ".meta.json")).write_text(json.dumps(meta, indent=2))
        return Snapshot(
            snapshot_id=f"{dataset}/{folder.name}/{filename}", dataset=dataset, filename=filename,
            path=str(folder / filename), sha256=digest, size=len(body), origin="http", url=url,
            fetched_at=fetched_at,
        )

    # -- the one entry point steps use -------------------------------------
    def resolve(self, dataset: str, filename: str, fetcher: Fetcher | None = None,
                folder: str | None = None, path_in_folder: str | None = None) -> Snapshot:
        if fetcher is not None and self.settings.is_online:
            try:
                body, url = fetcher()
                return self.store(dataset, filename, body, url)
            except Exception as exc:  # network/credentials: fall back, but say so
                log.warning("dataset %s: fetching %s failed (%s); using stored copy", dataset, filename, exc)
        snap = (self.latest_snapshot(dataset, filename)
                or self.mirror_snapshot(dataset, filename, folder, path_in_folder))
        if snap is None:
            raise MissingInputError(dataset, filename, [
                str(self.settings.snapshots / dataset / "<date>" / filename),
                str(self.mirror_root(dataset, folder) / (path_in_folder or filename)),
            ])
        if snap.origin == "mirror":
            log.info("dataset %s: using read-only mirror copy %s", dataset, snap.path)
        return snap

    def peek(self, dataset: str, filename: str, folder: str | None = None,
             path_in_folder: str | None = None) -> Snapshot | None:
        """Where the file would come from offline, without fetching (for change detection)."""
        return (self.latest_snapshot(dataset, filename)
                or self.mirror_snapshot(dataset, filename, folder, path_in_folder))
