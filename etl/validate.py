"""Validation at the staging boundary: types, key formats, unique keys, symbols, plausible ranges.

pandera checks the frame's shape; the messages name the dataset, column and offending values
so a steward can find them in the source file.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .catalogue import load_indicators
from .errors import ValidationError

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


def validate_observations(obs: pd.DataFrame, dataset: str) -> None:
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
    out = vals.notna() & ~pd.isna(lo_s) & ((vals < lo_s) | (vals > hi_s)) & obs["level"].isin(["kreis", "gemeinde"])
    if out.any():
        iid = obs.loc[out, "indicator_id"].iloc[0]
        lo, hi = ranges[iid]
        bad = obs[out & obs["indicator_id"].eq(iid)]
        ex = bad[["ags", "reference_date", "value"]].head(3).to_dict("records")
        raise ValidationError(f"{dataset}: field 'value' of '{iid}' outside plausible range "
                              f"[{lo}, {hi}] for {len(bad)} rows, e.g. {ex}")
    symbol_rows = obs["flag"].isin(["."] ) & obs["value"].notna()
    if symbol_rows.any():
        raise ValidationError(f"{dataset}: rows flagged '.' carry a number; symbols must never become values")
