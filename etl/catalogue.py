"""Source catalogue: one YAML file per dataset in etl/catalogue/<dataset>.yml.

One file per dataset (not one big file) so adding a dataset touches its own files only.
Required keys are checked when the catalogue loads, so a half-written entry fails loudly.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .errors import EtlError

HERE = Path(__file__).parent
REQUIRED = ("id", "title", "publisher", "licence", "attribution", "url", "table_codes",
            "reference_dates", "levels", "files")


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted((HERE / "catalogue").glob("*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise EtlError(f"catalogue {path.name}: missing keys {missing}")
        if entry["id"] != path.stem:
            raise EtlError(f"catalogue {path.name}: id '{entry['id']}' must equal the file name")
        entry.setdefault("step", f"etl.steps.{entry['id']}")
        entry.setdefault("priority", 50)
        entry["files"] = [f if isinstance(f, dict) else {"name": f} for f in entry["files"]]
        out[entry["id"]] = entry
    return out


@lru_cache(maxsize=1)
def load_indicators() -> dict[str, dict]:
    data = yaml.safe_load((HERE / "indicators.yml").read_text(encoding="utf-8"))
    for iid, spec in data.items():
        spec["id"] = iid
    return data
