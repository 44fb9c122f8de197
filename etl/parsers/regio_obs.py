"""From etl.parsers.regio_csv tables to observations: the pieces the regionalstatistik / GENESIS steps share.

Why shared: six steps turn etl.parsers.regio_csv long frames into observations the same way –
mark keys that did not exist at a date, pick a published variable by its header label, keep only
the levels the table really covers, and, where files of one dataset overlap, keep one value per key
and date from the preferred publication and say how often the others disagree.
"""
from __future__ import annotations

import pandas as pd
import yaml

from ..errors import ParseError
from .regio_csv import RegioTable, nonexistent, read_regio_csv
from ..settings import ROOT
from ..step import StepContext

OBS_KEY = ["ags", "level", "indicator_id", "reference_date"]


# Header words the publisher renamed between exports of the same table (13211-02-05-4: "Ausländer" until
# 2021, "ausländisch" in the 2026 exports): normalised so one variable map reads every vintage.
LABEL_SYNONYMS = {"ausländisch": "Ausländer"}


def _normalise_label(label: str) -> str:
    return " | ".join(LABEL_SYNONYMS.get(p, p) for p in label.split(" | "))


def tidy(table: RegioTable, source_file: str) -> pd.DataFrame:
    """Every published cell (for staging) plus `unit_existed`: False where the key's row is '-'
    throughout at that date (see etl.parsers.regio_csv.nonexistent)."""
    d = table.data.copy()
    labels = d["variable"].dropna().unique()
    d["variable"] = d["variable"].map({v: _normalise_label(v) for v in labels}).astype("string")
    d["unit_existed"] = ~nonexistent(d).to_numpy()
    d.insert(0, "source_table", table.table)
    d.insert(1, "source_file", source_file)
    return d


def tidy_files(ctx: StepContext, suffix: str = ".csv"):
    """(file name, tidy frame) for every file (vintage) of the dataset, oldest publication first: one reader
    for every vintage of a table, so a new year is a new catalogue line, not new code."""
    for item in ctx.files(suffix):
        name = item["name"]
        yield name, tidy(read_regio_csv(ctx.input(name), name=name), name)


def pick(rows: pd.DataFrame, variable: str, label: str, cls: str | None = None) -> pd.DataFrame:
    """Existing-unit rows of one published variable (exact header label, e.g. 'Genehmigte Plätze');
    a renamed header fails loudly instead of silently emitting nothing."""
    sel = rows[rows["variable"].eq(variable)]
    if cls is not None:
        sel = sel[sel["category"].eq(cls)]
    if sel.empty:
        have = list(dict.fromkeys(rows["variable"]))
        raise ParseError(label, f"variable not found; the table has {have}",
                         field="variable", value=variable if cls is None else f"{variable} / {cls}")
    return sel[sel["unit_existed"]]


def reference_date(rows: pd.DataFrame, annual: str = "12-31") -> pd.Series:
    """ISO Stichtag; a bare year (annual average) becomes YYYY-<annual>."""
    return rows["date"].fillna(rows["year"].astype("string") + "-" + annual)


def to_observations(rows: pd.DataFrame, indicator: str, levels: tuple[str, ...]) -> pd.DataFrame:
    """Observation frame for one variable; keys belong to the territory of their own reference date
    (old regionalstatistik tables keep each key only for the dates on which it existed)."""
    rows = rows[rows["level"].isin(levels)]
    ref = reference_date(rows)
    return pd.DataFrame({
        "ags": rows["key"], "level": rows["level"], "indicator_id": indicator, "reference_date": ref,
        "value": rows["value"], "flag": rows["flag"], "gebietsstand": ref,
        "source_table": rows["source_table"], "source_file": rows["source_file"],
    }).reset_index(drop=True)


def prefer(frames: list[pd.DataFrame], ctx: StepContext, what: str) -> pd.DataFrame:
    """One row per observation key, taken from the first frame that has it (frames in order of
    preference); warn with a count where a later frame publishes a different value or symbol."""
    allobs = pd.concat(frames, ignore_index=True)
    first = allobs.drop_duplicates(OBS_KEY, keep="first")
    others = allobs[allobs.duplicated(OBS_KEY, keep="first")]
    if len(others):
        m = others.merge(first, on=OBS_KEY, suffixes=("", "_kept"))
        v, k = m["value"].astype("float64"), m["value_kept"].astype("float64")
        same_value = (v == k) | (v.isna() & k.isna())
        same_flag = m["flag"].fillna("") == m["flag_kept"].fillna("")
        bad = m[~(same_value & same_flag)]
        if len(bad):
            ex = bad.iloc[0]
            ctx.warn(f"{what}: {len(bad)} of {len(m)} overlapping values disagree between files; kept the "
                     f"preferred publication (e.g. {ex['ags']} {ex['indicator_id']} {ex['reference_date']}: "
                     f"{ex['source_table']} {ex['value']} vs kept {ex['source_table_kept']} {ex['value_kept']})")
    return first.reset_index(drop=True)


def mark_later_territory(obs: pd.DataFrame, count_indicator: str, ctx: StepContext, what: str,
                         tol: float = 0.005) -> pd.DataFrame:
    """Set `gebietsstand` for Kreis values the publisher back-calculated on a later territory.

    Old regionalstatistik tables show, for the years before a Kreis reform (Sachsen 2008, Sachsen-
    Anhalt 2007), both the Kreise of that date and the later Kreise recomputed backwards; the Kreise
    of a Land then add up to twice its total. Where that happens and the keys that disappear later
    alone add up to the Land total, the other keys belong to the territory of the first Stichtag
    after the old keys' last one: their gebietsstand says so, so harmonisation never counts both.
    Anything else that does not add up is only reported.
    """
    c = obs[obs["indicator_id"].eq(count_indicator) & obs["value"].notna()]
    kreis = c[c["level"].eq("kreis")].assign(land=lambda x: x["ags"].str[:2])
    if kreis.empty:
        return obs
    dates = sorted(c["reference_date"].unique())
    last = kreis.groupby("ags")["reference_date"].max()
    old_keys = set(last[last < dates[-1]].index)
    land = c[c["level"].eq("land")].set_index(["ags", "reference_date"])["value"].astype("float64")
    moved: dict[tuple[str, str], str] = {}
    unexplained = []
    kreis = kreis.assign(v=kreis["value"].astype("float64"))
    sums = kreis.groupby(["land", "reference_date"])["v"].sum()
    totals = land.reindex(sums.index)
    for lnd, t in sums.index[(sums > totals * (1 + tol)).fillna(False).to_numpy()]:
        g = kreis[kreis["land"].eq(lnd) & kreis["reference_date"].eq(t)]
        total = totals[(lnd, t)]
        old = g[g["ags"].isin(old_keys)]
        if old.empty or abs(old["v"].sum() - total) > tol * total:
            unexplained.append(f"{lnd} {t}")
            continue
        old_end = last[old["ags"]].max()
        after = next(d for d in dates if d > old_end)
        for a in g.loc[~g["ags"].isin(old_keys), "ags"]:
            moved[(a, t)] = after
    if unexplained:
        ctx.warn(f"{what}: Kreise add up to more than their Land at {len(unexplained)} Land-dates, "
                 f"not explained by a reform: {unexplained[:5]}")
    if moved:
        m = pd.Series(moved, dtype="string")
        m.index.names = ["ags", "reference_date"]
        target = pd.MultiIndex.from_frame(obs[["ags", "reference_date"]].astype("string"))
        new = pd.Series(m.reindex(target).to_numpy(), index=obs.index, dtype="string")
        hit = obs["level"].eq("kreis") & new.notna()
        obs = obs.copy()
        obs.loc[hit, "gebietsstand"] = new[hit]
        lands = sorted({a[:2] for a, _ in moved})
        ctx.warn(f"{what}: {int(hit.sum())} Kreis values back-calculated on a later territory "
                 f"(Länder {lands}); gebietsstand set to the first Stichtag of that territory")
    return obs


def observations_for(rows: pd.DataFrame, variables: dict[str, str], label: str,
                     levels: tuple[str, ...]) -> pd.DataFrame:
    """Observations of several variables of one table ({header label: indicator id})."""
    return pd.concat([to_observations(pick(rows, var, label), ind, levels) for var, ind in variables.items()],
                     ignore_index=True)


# 13211-02-05-4 (both 13211 steps): header label -> indicator. Rates are "bez. auf alle zivilen
# Erwerbspersonen", not the "abhängige zivile Erwerbspersonen" variant.
VARIABLES_13211_02_05_4 = {
    "Arbeitslose": "unemployed",
    "Arbeitslose | Ausländer": "unemployed_foreigners",
    "Arbeitslosenquote bez. auf alle zivile Erwerbsp.": "unemployment_rate",
    "Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer": "unemployment_rate_foreigners",
}


def apply_dash_rules(obs: pd.DataFrame, dataset: str, ctx: StepContext) -> pd.DataFrame:
    """Drop '-' cells that etl/corrections/<dataset>.yml (key dash_not_zero) says are not true zeros."""
    path = ROOT / "etl" / "corrections" / f"{dataset}.yml"
    rules = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("dash_not_zero", []) if path.exists() else []
    for rule in rules:
        m = rule["match"]
        hit = (obs["flag"].eq("-").fillna(False) & obs["source_table"].eq(m["source_table"])
               & obs["level"].isin(m["levels"]) & obs["indicator_id"].isin(m["indicator_ids"]))
        if rule["action"] != "drop":
            raise ParseError(str(path), "unknown action", field="action", value=rule["action"])
        if hit.any():
            ctx.warn(f"{int(hit.sum())} '-' cells of {m['source_table']} dropped as not-a-zero "
                     f"(etl/corrections/{dataset}.yml)")
            obs = obs[~hit]
    return obs.reset_index(drop=True)


def for_staging(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as plain Python strings: DuckDB scans object columns about 4x faster than pandas'
    arrow-backed string dtype when the runner writes staging tables (hundreds of thousands of rows here)."""
    out = df.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.StringDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out
