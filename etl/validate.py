"""Validation at the staging boundary: types, key formats, unique keys, symbols, plausible ranges.

pandera checks the frame's shape; the messages name the dataset, column and offending values
so a steward can find them in the source file.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .catalogue import load_indicators
from .errors import ValidationError
from .parsers.text import frame_mojibake

PROJECT_FLAGS = {"booked_elsewhere", "includes_other_kreise", "suppressed",
                 "missing"}  # missing: publisher code -9999 ("Fehlender Wert", Deutschlandatlas); value is NULL
PUBLISHER_FLAGS = {"-", ".", "x", "/", "...", "e", "p", "r", "s"}
KEY_PATTERN = r"^(DG|\d{2}|\d{5}|\d{8})$"
LEVEL_PATTERN = {"bund": r"^DG$", "land": r"^\d{2}$", "kreis": r"^\d{5}$", "gemeinde": r"^\d{8}$"}

OBS_SCHEMA = pa.DataFrameSchema(
    {
        "ags": pa.Column(str, pa.Check.str_matches(KEY_PATTERN), nullable=False),
        "level": pa.Column(str, pa.Check.isin(list(LEVEL_PATTERN)), nullable=False),
        "indicator_id": pa.Column(str, nullable=False),
        "reference_date": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$"), nullable=False),
        "value": pa.Column(float, nullable=True, coerce=True),
        "flag": pa.Column(str, pa.Check.isin(sorted(PUBLISHER_FLAGS | PROJECT_FLAGS)), nullable=True),
        "gebietsstand": pa.Column(str, nullable=False),
        "source_table": pa.Column(str, nullable=False),
        "source_file": pa.Column(str, nullable=False),
    },
    strict=False,
)


LAND_CODES = frozenset(f"{i:02d}" for i in range(1, 17))
# Land and Germany values of counts: no count of persons in Germany exceeds its population (~85 million)
COUNT_CEILING_UPPER_LEVELS = 100_000_000
DEFAULT_MIN_COVERAGE = 0.95   # share of the Gebietsstand's units a (file, level, reference date) must cover


def validate_observations(obs: pd.DataFrame, dataset: str, published: dict | None = None,
                          expected_units: pd.DataFrame | None = None, entry: dict | None = None,
                          today: "dt.date | None" = None, previous: pd.DataFrame | None = None) -> None:
    """Schema, keys, duplicates, ranges at every level, symbols; with `published` (file -> ISO date) also
    reference dates in the future; with `expected_units` (etl.validate.expected_units) also completeness."""
    if obs.empty:
        raise ValidationError(f"{dataset}: step returned no observations")
    try:
        OBS_SCHEMA.validate(obs.astype({"value": "float64"}), lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases.head(10)
        details = "; ".join(f"{r.column}={r.failure_case!r} ({r.check})" for r in fc.itertuples())
        raise ValidationError(f"{dataset}: observations break the schema: {details}") from None
    for level, pattern in LEVEL_PATTERN.items():
        bad = obs[(obs["level"] == level) & ~obs["ags"].str.match(pattern)]
        if len(bad):
            raise ValidationError(f"{dataset}: field 'ags' has {len(bad)} keys that do not fit level '{level}', "
                                  f"e.g. {bad['ags'].head(3).tolist()}")
    not_land = obs["ags"].ne("DG") & ~obs["ags"].str[:2].isin(LAND_CODES)
    if not_land.any():
        bad = obs[not_land]
        raise ValidationError(f"{dataset}: file {bad['source_file'].iloc[0]}: field 'ags' value {bad['ags'].iloc[0]!r} "
                              f"(level {bad['level'].iloc[0]}) does not start with a Land code 01–16 "
                              f"({int(not_land.sum())} rows); a key lost its leading zero or is no Gemeinde/Kreis/Land key")
    indicators = load_indicators()
    unknown = sorted(set(obs["indicator_id"].unique()) - set(indicators))  # unique(): no Python loop over rows
    if unknown:
        raise ValidationError(f"{dataset}: field 'indicator_id' has unknown ids {unknown}; add them to etl/indicators/*.yml")
    # one key once per file; two files (vintages) of one dataset may report the same key: the newer wins in SQL
    dup = obs.duplicated(["ags", "level", "indicator_id", "reference_date", "gebietsstand", "source_file"], keep=False)
    if dup.any():
        ex = obs.loc[dup, ["source_file", "ags", "indicator_id", "reference_date"]].head(4).to_dict("records")
        raise ValidationError(f"{dataset}: {int(dup.sum())} duplicate observation keys within one file, e.g. {ex}")
    vals = obs["value"].astype("float64")
    # ranges looked up once per row (not one pass per indicator: ~100 indicators x 500k rows took 10 s)
    ranges = {iid: spec["range"] for iid, spec in indicators.items() if spec.get("range", [None])[0] is not None}
    codes, uniq = pd.factorize(obs["indicator_id"])
    lo_s = pd.Series([ranges.get(i, [None, None])[0] for i in uniq], dtype="float64").to_numpy()[codes]
    hi_s = pd.Series([ranges.get(i, [None, None])[1] for i in uniq], dtype="float64").to_numpy()[codes]
    # counts: the range is a Kreis/Gemeinde range; at Land/Bund only the lower bound and the population ceiling
    # apply. Rates and derived values have the same plausible range at every level.
    is_count = pd.Series([indicators[i].get("kind") == "count" for i in uniq], dtype=bool).to_numpy()[codes]
    upper = obs["level"].isin(["land", "bund"]).to_numpy()
    hi_s = np.where(is_count & upper & ~pd.isna(hi_s), np.maximum(hi_s, COUNT_CEILING_UPPER_LEVELS), hi_s)
    out = vals.notna() & ~pd.isna(lo_s) & ((vals < lo_s) | (vals > hi_s))
    if out.any():
        iid = obs.loc[out, "indicator_id"].iloc[0]
        bad = obs[out & obs["indicator_id"].eq(iid)]
        lo, hi = ranges[iid]
        if bad["level"].isin(["land", "bund"]).all() and indicators[iid].get("kind") == "count":
            hi = max(hi, COUNT_CEILING_UPPER_LEVELS)
        ex = bad[["ags", "level", "reference_date", "value"]].head(3).to_dict("records")
        raise ValidationError(f"{dataset}: file {bad['source_file'].iloc[0]}: field 'value' of '{iid}' outside "
                              f"plausible range [{lo}, {hi}] for {len(bad)} rows, e.g. {ex}")
    symbol_rows = obs["flag"].isin(["."] ) & obs["value"].notna()
    if symbol_rows.any():
        raise ValidationError(f"{dataset}: rows flagged '.' carry a number; symbols must never become values")
    _check_count_decimals(obs, dataset, indicators)
    _check_text(obs, dataset, "observations")
    if published is not None:
        check_future_dates(obs, dataset, published, today)
    if expected_units is not None:
        check_coverage(obs, dataset, expected_units, entry or {})
    if previous is not None:
        check_against_previous(obs, dataset, previous, indicators, entry or {})


def previous_totals(con, dataset: str) -> pd.DataFrame | None:
    """Per (file, indicator, level, reference date) of the last good build: sum of the values and their number."""
    try:
        return con.execute(f"""SELECT source_file, indicator_id, level, reference_date, sum(value) AS total,
            count(value) AS n FROM staging."obs__{dataset}" GROUP BY ALL""").df()
    except Exception:  # noqa: BLE001 - first build of this dataset
        return None


DEFAULT_MAX_REVISION = 0.05


def check_against_previous(obs: pd.DataFrame, dataset: str, previous: pd.DataFrame, indicators: dict,
                           entry: dict) -> None:
    """The same file (name) and reference date as in the last good build must give nearly the same totals:
    a file cut short whose lines are in random order keeps every unit (the coverage check passes) but halves
    the sums — e.g. Germany's protection seekers, summed from AZR detail cells. Counts: the sum per (file,
    indicator, level, date) may move by at most `max_revision` (catalogue, default 5 %); every indicator: the
    number of values may not shrink by more than that. A real revision larger than that: raise `max_revision`
    in the dataset's catalogue entry for that run."""
    tol = float(entry.get("max_revision", DEFAULT_MAX_REVISION))
    keys = ["source_file", "indicator_id", "level", "reference_date"]
    now = obs.assign(v=obs["value"].astype("float64")).groupby(keys, dropna=False).agg(
        total=("v", "sum"), n=("v", "count")).reset_index()
    m = now.merge(previous, on=keys, suffixes=("", "_before"))
    if m.empty:
        return
    is_count = m["indicator_id"].map(lambda i: indicators.get(i, {}).get("kind") == "count").astype(bool)
    rel = (m["total"] - m["total_before"]).abs() / m["total_before"].abs().where(m["total_before"].ne(0))
    bad_sum = is_count & rel.gt(tol)
    bad_n = m["n"] < m["n_before"] * (1 - tol)
    bad = m[bad_sum | bad_n]
    if len(bad):
        r = bad.iloc[0]
        what = (f"sum {r['total']:,.0f} against {r['total_before']:,.0f}" if bool(bad_sum.loc[bad.index[0]])
                else f"{int(r['n'])} values against {int(r['n_before'])}")
        raise ValidationError(f"{dataset}: file {r['source_file']}: '{r['indicator_id']}' {r['level']} "
                              f"{r['reference_date']}: {what} in the last good build of the same file and date "
                              f"(more than {tol:.0%} apart; {len(bad)} groups): file incomplete or corrupted? "
                              "(a real revision: raise `max_revision` in the catalogue entry)")


def _check_count_decimals(obs: pd.DataFrame, dataset: str, indicators: dict) -> None:
    """A count whose file otherwise holds whole numbers but shows a few decimals (318035 printed '318.035'):
    a thousands separator was read as a decimal point. Files whose counts are all fractional (e.g. published
    in thousands) are left alone."""
    count_ids = [i for i, spec in indicators.items() if spec.get("kind") == "count"]
    counts = obs[obs["indicator_id"].isin(count_ids) & obs["value"].notna()]
    if counts.empty:
        return
    v = counts["value"].astype("float64")
    frac = (v - v.round()).abs() > 1e-9
    if not frac.any():
        return
    share = frac.groupby([counts["source_file"], counts["indicator_id"]]).transform("mean")
    bad = counts[frac & (share < 0.5)]
    if len(bad):
        r = bad.iloc[0]
        raise ValidationError(f"{dataset}: file {r['source_file']}: field 'value' of count '{r['indicator_id']}' "
                              f"has decimals where the file's other counts have none, value {float(r['value'])!r} "
                              f"at {r['ags']} {r['reference_date']} ({len(bad)} rows): a thousands separator read "
                              "as a decimal point?")


def _check_text(df: pd.DataFrame, dataset: str, table: str) -> None:
    hit = frame_mojibake(df)
    if hit:
        col, pos, value = hit
        line = df["line"].iloc[pos] if "line" in df.columns else None
        file = df["source_file"].iloc[pos] if "source_file" in df.columns else None
        where = (f"file {file}, " if file is not None else "") + (f"line {line}, " if line is not None else "")
        raise ValidationError(f"{dataset}: {where}table {table}, field '{col}', value {value!r}: mojibake "
                              "(file decoded with the wrong encoding)")


def validate_tables(tables: dict[str, pd.DataFrame], dataset: str) -> None:
    """Guards for a step's other staging tables (labels, registers): no mojibake."""
    for name, df in tables.items():
        _check_text(df, dataset, name)


def check_future_dates(obs: pd.DataFrame, dataset: str, published: dict, today: "dt.date | None" = None) -> None:
    """A reference date after the end of its file's publication year, or after the end of this year, is a
    typo or a projection and is rejected (annual values are dated 31.12. of their year, so a file published
    12.12.2024 may carry 2024-12-31)."""
    today = today or dt.date.today()
    limit_today = f"{today.year}-12-31"
    pub = obs["source_file"].map(published).astype("string")
    limit = pub.str[:4].fillna(str(today.year)) + "-12-31"
    limit = limit.where(limit < limit_today, limit_today)
    bad = obs["reference_date"] > limit
    if bad.any():
        r = obs[bad].iloc[0]
        raise ValidationError(f"{dataset}: file {r['source_file']}: field 'reference_date' value "
                              f"{r['reference_date']!r} lies in the future (file published {published.get(r['source_file'])}, "
                              f"today {today}; {int(bad.sum())} rows, e.g. {r['ags']} {r['indicator_id']})")


def expected_units(con) -> pd.DataFrame | None:
    """Units per Gebietsstand from the key lists of the last good build (intermediate.gemeinde_state_keys:
    GV-ISys/GV100AD Gemeinden per Gebietsstand): columns gs, gemeinde, kreis, land. None before a first build."""
    try:
        df = con.execute("SELECT gs::VARCHAR AS gs, count(DISTINCT ags) AS gemeinde, count(DISTINCT left(ags, 5)) "
                         "AS kreis, count(DISTINCT left(ags, 2)) AS land FROM intermediate.gemeinde_state_keys "
                         "GROUP BY gs HAVING count(*) > 5000 ORDER BY gs").df()
    except Exception:  # noqa: BLE001 - no previous build (or an older one without the key lists)
        return None
    return df if len(df) else None


def check_coverage(obs: pd.DataFrame, dataset: str, expected: pd.DataFrame, entry: dict) -> None:
    """Each (file, level, reference date) must cover at least `coverage` (catalogue, default 0.95) of the
    units of the nearest Gebietsstand: a file cut short loads no Kreis sums from whichever units remain.
    Catalogue `coverage: partial` (city registers) or `coverage: {gemeinde: 0.7}` (tables listing only some
    Gemeinden) relax it per level."""
    spec = entry.get("coverage", {})
    if spec == "partial":
        return
    levels = [lv for lv in ("land", "kreis", "gemeinde") if spec.get(lv) != "partial"]
    sub = obs[obs["level"].isin(levels)]
    if sub.empty:
        return
    n = sub.groupby(["source_file", "level", "reference_date"])["ags"].nunique().reset_index()
    gs = pd.to_datetime(expected["gs"]).to_numpy()
    dates = pd.to_datetime(n["reference_date"], errors="coerce").to_numpy()
    nearest = np.abs(dates[:, None] - gs[None, :]).argmin(axis=1)
    n["expected"] = [int(expected[lv].iloc[i]) for lv, i in zip(n["level"], nearest)]
    n["gs"] = expected["gs"].to_numpy()[nearest]
    n["minimum"] = n["level"].map(lambda lv: float(spec.get(lv, DEFAULT_MIN_COVERAGE)))
    short = n[n["ags"] < n["expected"] * n["minimum"]]
    if len(short):
        r = short.iloc[0]
        raise ValidationError(f"{dataset}: file {r['source_file']}: level {r['level']}, reference date "
                              f"{r['reference_date']}: {r['ags']} units, but the Gebietsstand {r['gs']} has "
                              f"{r['expected']} (minimum {r['minimum']:.0%}): file incomplete (cut short?); "
                              f"{len(short)} (file, level, date) groups short")
