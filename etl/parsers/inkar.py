"""INKAR (BBSR) in its two shapes: the {inkr} wide Parquet tables and the INKAR web export CSV.

{inkr} Parquet: one row per (raumbezug, kennziffer, name, zeitbezug), one DOUBLE column per
indicator Kürzel, NULL = no value. Kreis `kennziffer` is 8 characters (5-digit key + "000"),
Bund is "111", Länder 2 digits. Read with DuckDB so only the needed columns and Raumbezüge are
loaded.

Web export: indicator names in row 1, reference year per indicator in row 2, then
`Kennziffer;Raumeinheit;Aggregat;<values…>`, every field quoted, decimal comma and thousands point.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import yaml

from ..errors import ParseError
from ..quality import SymbolError, parse_number
from ..settings import ROOT

RAUMBEZUG_LEVEL = {"Bund": "bund", "Bundesländer": "land", "Kreise": "kreis"}
INDICATOR_COLUMNS = ("merk_id", "m_id", "rubrik", "bereich", "kuerzel", "kurzname", "name", "algorithmus",
                     "anmerkungen", "statistische_grundlagen")


def _sql_path(path: Path | str) -> str:
    return str(path).replace("'", "''")


def read_inkr_parquet(path: Path | str, kuerzel: list[str],
                      raumbezuege: tuple[str, ...] = tuple(RAUMBEZUG_LEVEL)) -> pd.DataFrame:
    """Long frame: raumbezug, kennziffer, name, year (int), kuerzel, value (non-NULL only),
    plus `ags`/`level` (DG/bund, 2-digit land, 5-digit kreis)."""
    label = str(path)
    con = duckdb.connect()
    try:
        cols = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_sql_path(path)}')").fetchall()}
        missing = [c for c in ("raumbezug", "kennziffer", "name", "zeitbezug", *kuerzel) if c not in cols]
        if missing:
            raise ParseError(label, f"columns missing in the INKAR table: {missing}")
        unpivot = ", ".join(f'"{k}"' for k in kuerzel)
        df = con.execute(
            f"""SELECT raumbezug, kennziffer, name, zeitbezug, kuerzel, value
                FROM (SELECT raumbezug, kennziffer, name, zeitbezug, {unpivot}
                      FROM read_parquet('{_sql_path(path)}') WHERE list_contains(?, raumbezug))
                UNPIVOT (value FOR kuerzel IN ({unpivot}))""",  # UNPIVOT drops NULLs
            [list(raumbezuege)]).df()
    finally:
        con.close()
    bad_year = ~df["zeitbezug"].str.fullmatch(r"\d{4}")
    if bad_year.any():
        raise ParseError(label, "zeitbezug is not a year", field="zeitbezug",
                         value=df.loc[bad_year, "zeitbezug"].iloc[0])
    df["year"] = df["zeitbezug"].astype(int)
    df["level"] = df["raumbezug"].map(RAUMBEZUG_LEVEL)
    df["ags"] = _ags(df, label)
    return df.drop(columns="zeitbezug")


def _ags(df: pd.DataFrame, label: str) -> pd.Series:
    k = df["kennziffer"]
    ags = pd.Series(pd.NA, index=df.index, dtype="string")
    bund = df["level"].eq("bund")
    ags[bund & k.eq("111")] = "DG"
    land = df["level"].eq("land") & k.str.fullmatch(r"\d{2}")
    ags[land] = k[land]
    kreis = df["level"].eq("kreis") & k.str.fullmatch(r"\d{5}000")
    ags[kreis] = k[kreis].str[:5]
    bad = ags.isna()
    if bad.any():
        r = df[bad].iloc[0]
        raise ParseError(label, f"unexpected kennziffer for raumbezug '{r['raumbezug']}'", field="kennziffer",
                         value=r["kennziffer"])
    return ags


def read_inkar_indicators(path: Path | str, kuerzel: list[str] | None = None) -> pd.DataFrame:
    """Indicator catalogue (_indikatoren.parquet): labels, formula, notes, sources per Kürzel."""
    con = duckdb.connect()
    try:
        df = con.execute(f"SELECT * FROM read_parquet('{_sql_path(path)}')").df()
    finally:
        con.close()
    missing = [c for c in INDICATOR_COLUMNS if c not in df.columns]
    if missing:
        raise ParseError(str(path), f"not an INKAR indicator catalogue: missing columns {missing}")
    if kuerzel is not None:
        df = df[df["kuerzel"].isin(kuerzel)]
    return df.reset_index(drop=True)


def read_inkar_export(path: Path | str) -> pd.DataFrame:
    """Long frame of an INKAR web export: kennziffer, raumeinheit, aggregat, indicator, year,
    raw (text as published), value, flag, line."""
    label = str(path)
    try:
        raw = pd.read_csv(path, sep=";", header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ParseError(label, f"not an INKAR export: {exc}") from None
    if raw.shape[0] < 3 or list(raw.iloc[0, :3]) != ["Kennziffer", "Raumeinheit", "Aggregat"]:
        raise ParseError(label, "row 1 must start with Kennziffer;Raumeinheit;Aggregat", line=1)
    names = raw.iloc[0, 3:].tolist()
    years = raw.iloc[1, 3:].tolist()
    bad = [y for y in years if not str(y).isdigit()]
    if bad or any(raw.iloc[1, :3] != ""):
        raise ParseError(label, "row 2 must hold one reference year per indicator", value=bad[:1] or None, line=2)
    body = raw.iloc[2:].copy()
    body.columns = ["kennziffer", "raumeinheit", "aggregat", *names]
    body["line"] = body.index + 1
    bad_key = ~body["kennziffer"].str.fullmatch(r"\d{5}")
    if bad_key.any():
        r = body[bad_key].iloc[0]
        raise ParseError(label, "Kennziffer is not a 5-digit Kreis key", field="Kennziffer", value=r["kennziffer"],
                         line=int(r["line"]))
    long = body.melt(id_vars=["kennziffer", "raumeinheit", "aggregat", "line"], value_vars=names,
                     var_name="indicator", value_name="raw")
    long["year"] = long["indicator"].map(dict(zip(names, (int(y) for y in years))))
    parsed: dict[str, tuple[float | None, str | None]] = {}
    for v in long["raw"].unique():
        try:
            parsed[v] = parse_number(v, decimal=",", thousands=".")
        except SymbolError as exc:
            r = long[long["raw"].eq(v)].iloc[0]
            raise ParseError(label, str(exc), field=r["indicator"], value=v, line=int(r["line"])) from None
    long["value"] = pd.array([parsed[v][0] for v in long["raw"]], dtype="Float64")
    long["flag"] = pd.array([parsed[v][1] for v in long["raw"]], dtype="string")
    return long[["kennziffer", "raumeinheit", "aggregat", "indicator", "year", "raw", "value", "flag", "line"]]


def load_corrections(dataset: str) -> list[dict]:
    """Known upstream errors for an INKAR dataset (etl/corrections/<dataset>.yml; none if absent)."""
    path = ROOT / "etl" / "corrections" / f"{dataset}.yml"
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("corrections", [])


def apply_corrections(df: pd.DataFrame, corrections: list[dict], value_col: str = "value"
                      ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Apply `match` -> `action` (drop | set_null) corrections. Returns (corrected frame, the matched rows
    as published plus the reason, warnings for corrections that matched nothing or a changed value)."""
    warnings, applied = [], []
    out = df.copy()
    for c in corrections:
        mask = pd.Series(True, index=out.index)
        for col, val in c["match"].items():
            mask &= out[col].astype("string").eq(str(val))
        if not mask.any():
            warnings.append(f"correction matched nothing (fixed upstream?): {c['match']}")
            continue
        if "published" in c and not (out.loc[mask, value_col].astype("float64") == float(c["published"])).all():
            warnings.append(f"correction {c['match']}: published value changed, now "
                            f"{out.loc[mask, value_col].tolist()}; check the reason still holds")
        if "expected_keys" in c:
            got = sorted(out.loc[mask, "kennziffer"].unique())
            if got != sorted(c["expected_keys"]):
                warnings.append(f"correction {c['match']}: matched keys {got}, expected {c['expected_keys']}")
        applied.append(out[mask].assign(action=c["action"], reason=" ".join(str(c["reason"]).split())))
        if c["action"] == "drop":
            out = out[~mask]
        elif c["action"] == "set_null":
            out.loc[mask, value_col] = pd.NA
            out.loc[mask, "flag"] = c["flag"]
        else:
            raise ValueError(f"unknown correction action {c['action']!r} (drop | set_null)")
    return out, (pd.concat(applied, ignore_index=True) if applied else pd.DataFrame()), warnings
