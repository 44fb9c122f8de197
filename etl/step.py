"""The contract between the runner and one dataset step (etl/steps/<dataset>.py).

A step module defines `DATASET` (= its catalogue id = folder name in the snapshot store)
and one `run(ctx) -> StepOutput` in three parts: load inputs (ctx.input), process
(parse + tidy), save outputs (return them). It never touches the warehouse itself:
the runner writes its tables as `staging.<name>` and its observations as
`staging.obs__<dataset>`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .settings import Settings
from .snapshots import Fetcher, Snapshot, SnapshotStore

log = logging.getLogger(__name__)

# Long-form observations every step may return (one row per published cell).
OBS_COLUMNS = {
    "ags": "string",           # 2 (Land), 5 (Kreis), 8 (Gemeinde) digits; "DG" for Germany
    "level": "string",         # bund | land | kreis | gemeinde
    "indicator_id": "string",  # id from etl/indicators/*.yml
    "reference_date": "string",  # ISO date of the Stichtag (annual averages: YYYY-12-31, see note)
    "value": "Float64",        # None when the publisher gave a symbol other than "-"
    "flag": "string",          # publisher symbol ("-", ".", "x", "/", "...") or project code; None = plain value
    "gebietsstand": "string",  # ISO date of the territorial status the key belongs to
    "source_table": "string",  # official table code, e.g. "12411-01-01-4"
    "source_file": "string",   # file name in the snapshot store (runner maps it to the snapshot id)
}
# added by the runner from the catalogue file item: `published` (ISO date of the vintage; the newer wins)
LEVELS = ("bund", "land", "kreis", "gemeinde")
LEVEL_KEY_LENGTH = {"land": 2, "kreis": 5, "gemeinde": 8}


@dataclass
class StepOutput:
    observations: pd.DataFrame | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class StepContext:
    dataset: str
    settings: Settings
    store: SnapshotStore
    entry: dict
    snapshots: list[Snapshot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def files(self, suffix: str | None = None) -> list[dict]:
        """The catalogue's file items of this dataset in publication order (oldest first; undated first).
        A step that loops over these reads a new vintage (one more file line) without a code change."""
        items = [f for f in self.entry.get("files", []) if suffix is None or f["name"].lower().endswith(suffix)]
        return sorted(items, key=lambda f: (f.get("published") or "", f["name"]))

    def file_item(self, filename: str) -> dict:
        item = next((f for f in self.entry.get("files", []) if f.get("name") == filename), None)
        return item or {"name": filename, "folder": self.entry.get("mirror", self.dataset), "path": filename}

    def input(self, filename: str, fetcher: Fetcher | None = None) -> Path:
        """Local path of one input file (fetched, stored snapshot or mirror), recorded for provenance.
        Without an explicit fetcher the catalogue entry's `files[].fetch` spec is used."""
        item = self.file_item(filename)
        if fetcher is None and self.settings.is_online:  # offline: never build (or fail on) a fetcher
            spec = item.get("fetch")
            if spec:
                from .fetchers import fetcher_for  # here, not at module level: fetchers -> clients -> settings
                fetcher = fetcher_for(spec, self.settings)
        snap = self.store.resolve(self.dataset, filename, fetcher, item.get("folder"), item.get("path"))
        self.snapshots.append(snap)
        return Path(snap.path)

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.dataset, message)
        self.warnings.append(message)


def observations(df: pd.DataFrame) -> pd.DataFrame:
    """Select and cast the observation columns (missing optional ones become NULL)."""
    out = pd.DataFrame(index=df.index)
    for col, dtype in OBS_COLUMNS.items():
        out[col] = (df[col] if col in df.columns else pd.Series(pd.NA, index=df.index)).astype(dtype)
    return out.reset_index(drop=True)
