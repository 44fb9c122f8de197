"""Stadt Köln, Strukturdaten Bevölkerung 2005–2012 (long CSV) -> migration_background_persons (table 030 line 10)
and migration_background_base_population (table 005 line 10, Einwohner) for the city as Gemeinde 05315000 and
kreisfreie Stadt 05315; the share is derived in SQL.

The file states no Stichtag: values are stored as YYYY-12-31 (annual convention; Köln's register statistics
usually refer to 31.12.) and the indicator definitions say so. Per year the step checks Einwohner mit MH =
Deutsche mit MH + Ausländer (lines 20 + 50) for the city.
"""
from __future__ import annotations

import pandas as pd

from ..errors import ParseError
from ..parsers.city_register import read_koeln_long
from ..step import StepContext, StepOutput

DATASET = "kommunalstatistik_koeln_migrationshintergrund"
FILE = "bevoelkerung.csv"
LINES = {("030", "10"): "migration_background_persons", ("005", "10"): "migration_background_base_population"}
KEYS = (("gemeinde", "05315000"), ("kreis", "05315"))


def run(ctx: StepContext) -> StepOutput:
    # Load inputs
    df = read_koeln_long(ctx.input(FILE), name=FILE)
    # Process data
    city = df[df["raum_id"].eq("000")]
    if set(city["raum"]) != {"Stadt Köln"}:
        raise ParseError(FILE, "raum_id 000 is not 'Stadt Köln'", field="raum", value=", ".join(set(city["raum"])))
    frames = []
    for (tab, zei), ind in LINES.items():
        sel = city[city["tab_id"].eq(tab) & city["zei_id"].eq(zei)]
        if sel.empty or sel["jahr"].duplicated().any():
            raise ParseError(FILE, "expected one city row per year", field="tab_id/zei_id", value=f"{tab}/{zei}")
        frames.append(sel.assign(indicator_id=ind))
    mh = city[city["tab_id"].eq("030")].pivot(index="jahr", columns="zei_id", values="value")
    bad = mh[mh["10"] != mh["20"] + mh["50"]]
    if len(bad):
        j = bad.index[0]
        raise ParseError(FILE, "Einwohner mit MH != Deutsche mit MH + Ausländer (table 030, lines 10/20/50)",
                         field="zahl", value=f"{j}: {bad.loc[j, '10']}")
    sel = pd.concat(frames, ignore_index=True)
    ref = sel["jahr"] + "-12-31"
    obs = pd.concat([pd.DataFrame({
        "ags": ags, "level": level, "indicator_id": sel["indicator_id"], "reference_date": ref,
        "value": sel["value"], "flag": sel["flag"], "gebietsstand": ref,
        "source_table": "Köln Bevölkerung " + sel["tab_id"], "source_file": FILE}) for level, ags in KEYS],
        ignore_index=True)
    staged = df[df["tab_id"].isin(["005", "030"])].assign(source_file=FILE)
    # Save outputs
    return StepOutput(observations=obs, tables={"koeln_bevoelkerung": staged})
