"""GERDA R package internal data (R/sysdata.rda): Zensus 2022 Gemeinde shares and INKAR Kreis panel.

Why rdata's parser + converter instead of R: the ETL stays pure Python. The file holds several
data frames; `read_gerda` returns the requested ones as pandas frames with keys as strings
(the R columns are character, so leading zeros survive) and R's NA as NaN/<NA>.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import rdata

from ..errors import ParseError

CENSUS = "census_2022_internal"
CENSUS_CODEBOOK = "census_2022_codebook_internal"
COUNTY = "county_covariates_internal"
COUNTY_CODEBOOK = "covariates_codebook_internal"
KEYS = {CENSUS: ("ags", r"\d{8}"), COUNTY: ("county_code", r"\d{5}")}


def read_gerda(path: Path | str, objects: tuple[str, ...] = (CENSUS, CENSUS_CODEBOOK, COUNTY, COUNTY_CODEBOOK)
               ) -> dict[str, pd.DataFrame]:
    label = str(path)
    try:
        with warnings.catch_warnings():  # "Missing constructor for R class tbl_df": harmless, frames stay frames
            warnings.simplefilter("ignore")
            data = rdata.conversion.convert(rdata.parser.parse_file(path))
    except Exception as exc:  # rdata raises assorted errors on a corrupt/non-R file
        raise ParseError(label, f"not a readable R data file: {exc}") from None
    missing = [o for o in objects if o not in data]
    if missing:
        raise ParseError(label, f"objects missing from the .rda: {missing}; found {sorted(data)}")
    out = {}
    for name in objects:
        df = data[name]
        if not isinstance(df, pd.DataFrame):
            raise ParseError(label, f"object '{name}' is not a data frame")
        df = df.reset_index(drop=True)
        if name in KEYS:
            col, pattern = KEYS[name]
            key = df[col].astype("string")
            bad = ~key.str.fullmatch(pattern).fillna(False)
            if bad.any():
                raise ParseError(label, f"{name}: key does not match {pattern}", field=col, value=key[bad].iloc[0])
            df[col] = key
        out[name] = df
    return out


def county_long(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """INKAR county panel -> long (county_code, year, variable, value) for the given columns, NA dropped."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ParseError(COUNTY, f"columns missing: {missing}")
    long = df.melt(id_vars=["county_code", "year"], value_vars=list(columns), var_name="variable", value_name="value")
    long = long[long["value"].notna()].copy()
    if (long["year"] % 1 != 0).any():
        raise ParseError(COUNTY, "year is not a whole number", field="year")
    long["year"] = long["year"].astype(int)
    return long.reset_index(drop=True)
