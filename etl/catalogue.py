"""Source catalogue: one YAML file per dataset in etl/catalogue/<dataset>.yml.

One file per dataset (not one big file) so adding a dataset touches its own files only.
Required keys are checked when the catalogue loads, so a half-written entry fails loudly.
"""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import EtlError

HERE = Path(__file__).parent
REQUIRED = ("id", "title", "publisher", "licence", "attribution", "url", "table_codes",
            "reference_dates", "levels", "files")


def _file_item(item: dict | str, entry: dict, catalogue_file: str) -> dict:
    """One file (= one vintage or part of a publication): `name` is its key within the dataset
    (source_file, ctx.input), `folder`/`path` where the store keeps it, `published` the publication date
    that decides which of two vintages reporting the same key and date wins (the newer one)."""
    f = dict(item) if isinstance(item, dict) else {"name": item}
    if "name" not in f:
        raise EtlError(f"catalogue {catalogue_file}: a files item has no `name`: {f}")
    f.setdefault("folder", entry["mirror"])
    f.setdefault("path", f["name"])
    if f.get("published") is not None:
        f["published"] = str(f["published"])
        try:
            dt.date.fromisoformat(f["published"])
        except ValueError:
            raise EtlError(f"catalogue {catalogue_file}: file {f['name']}: `published` is not an ISO date: "
                           f"{f['published']!r}") from None
    return f


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted(catalogue_dir().glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise EtlError(f"catalogue {path.name}: missing keys {missing}")
        if entry["id"] != path.stem:
            raise EtlError(f"catalogue {path.name}: id '{entry['id']}' must equal the file name")
        entry.setdefault("step", f"etl.steps.{entry['id']}")
        entry.setdefault("priority", 50)
        entry.setdefault("mirror", entry["id"])
        entry["files"] = [_file_item(f, entry, path.name) for f in entry["files"]]
        names = [f["name"] for f in entry["files"]]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise EtlError(f"catalogue {path.name}: file names must be unique within a dataset: {dupes} "
                           "(give each vintage its own `name` and point `path` at the store file)")
        out[entry["id"]] = entry
    return out


def store_folders() -> list[str]:
    """Every snapshot-store folder (retrieval) that some dataset reads."""
    return sorted({f["folder"] for e in load_catalogue().values() for f in e["files"]})


def catalogue_dir() -> Path:
    """etl/catalogue, or IA_CATALOGUE_DIR (tests add a vintage to a copy of the catalogue this way)."""
    return Path(os.environ.get("IA_CATALOGUE_DIR") or HERE / "catalogue")


def indicator_files() -> list[Path]:
    """etl/indicators/*.yml: one file per family of indicators (core, deutschlandatlas, ...)."""
    return sorted((HERE / "indicators").glob("*.yml"))


@lru_cache(maxsize=1)
def load_indicators() -> dict[str, dict]:
    """All indicator files merged; an id defined twice is an error (ids are stable and unique)."""
    data: dict[str, dict] = {}
    for path in indicator_files():
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for iid, spec in part.items():
            if iid in data:
                raise EtlError(f"indicator catalogue: id '{iid}' in {path.name} is already defined in "
                               f"{data[iid]['catalogue_file']}")
            spec["id"] = iid
            spec["catalogue_file"] = path.name
            data[iid] = spec
    return data
