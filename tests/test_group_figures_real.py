"""Group figures pinned against figures computed here, independently, from the raw official files in
../shared/opendata (not from staging tables): booking clusters counted in full, rates weighted with their own
denominators (labour force, children of the age group), population at the figure's year, group time series."""
from __future__ import annotations

import csv
import io
import zipfile

import pandas as pd
import pytest

from etl.settings import get_settings
from warehouse import queries as q

MIRROR = get_settings().mirror
EAST = {"12", "13", "14", "15", "16"}


def ew(ags: str) -> str:
    return "berlin" if ags.startswith("11") else ("east" if ags[:2] in EAST else "west")


@pytest.fixture(scope="module")
def wh(real_warehouse):
    return q.Warehouse(get_settings(), real_warehouse)


@pytest.fixture(scope="module")
def kreise(wh) -> set[str]:
    return set(wh.sql("SELECT ags FROM core.dim_region WHERE level = 'kreis'")["ags"])


def population_2024(kreise: set[str]) -> dict[str, int]:
    """12411-01-01-4, 31.12.2024, both sexes ('Insgesamt' = empty sex code), the 400 Kreise."""
    path = MIRROR / "regionalstatistik_12411_bevoelkerung" / "12411-01-01-4_2024-12-31_de_flat.csv"
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            key = row["1_variable_attribute_code"]
            if key in kreise and row["2_variable_attribute_code"] == "" and row["value"] not in ("-", ""):
                out[key] = int(row["value"])
    return out


def ukrainians_2024() -> dict[str, int]:
    """12531-0043, 31.12.2024: Ukraine (ST166), OF + AK-1 + X (SOURCE.md: total = OF + AK-1 + X), both sexes."""
    path = MIRROR / "destatis_12531_schutzsuchende_2024" / "12531-0043_2024-12-31_resultfile_ffcsv.zip"
    out: dict[str, int] = {}
    with zipfile.ZipFile(path) as z, z.open(z.namelist()[0]) as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig"), delimiter=";"):
            if row["4_variable_attribute_code"] == "ST166" and row["2_variable_attribute_code"] in (
                    "SCHUTZST-OF", "SCHUTZST-AK-1", "SCHUTZST-X"):
                k = row["1_variable_attribute_code"]
                out[k] = out.get(k, 0) + int(row["value"])
    return out


def test_east_west_ukrainians_per_1000_count_booking_clusters_in_full(wh, kreise):
    pop, ukr = population_2024(kreise), ukrainians_2024()
    assert len(pop) == 400 and not {"06633", "10041", "12071"} & set(ukr)  # booked at a neighbour: no rows
    num, den = {}, {}
    for k, p in pop.items():  # every Kreis in the denominator; booked Kreise' cases are in the host's number
        g = ew(k)
        num[g] = num.get(g, 0) + ukr.get(k, 0)
        den[g] = den.get(g, 0) + p
    df = q.group_aggregate("ukrainian_protection_seekers_per_1000", "kreis", 2024, ["east_west"], None, "own", wh)
    got = df.set_index("east_west")
    for g in ("east", "west", "berlin"):
        assert got.loc[g, "value"] == pytest.approx(num[g] / den[g] * 1000, rel=1e-12)
        assert got.loc[g, "numerator"] == num[g] and got.loc[g, "denominator"] == den[g]
    assert round(got.loc["east", "value"], 2) == 13.50 and round(got.loc["west", "value"], 2) == 12.90
    # the clusters: Cottbus + Spree-Neiße (east); Saarland's six and Kassel city + Landkreis (west); none split
    assert got["n_excluded"].sum() == 0
    assert (got.loc["east", "n_clusters_complete"], got.loc["east", "n_cluster_units"]) == (1, 2)
    assert (got.loc["west", "n_clusters_complete"], got.loc["west", "n_cluster_units"]) == (2, 8)
    assert "counted in full" in got.loc["west", "method_en"] and "vollständig" in got.loc["west", "method_de"]
    assert str(got.loc["east", "reference_date"])[:10] == "2024-12-31"


def test_booking_cluster_split_across_groups_is_excluded_and_counted(wh):
    """Kassel (Stadt, BBSR type 1) and Landkreis Kassel (type 2) fall into different BBSR Kreistypen."""
    reg = wh.sql("SELECT ags, bbsr_kreistyp FROM core.dim_region WHERE ags IN ('06611', '06633')").set_index("ags")
    assert reg.loc["06611", "bbsr_kreistyp"] != reg.loc["06633", "bbsr_kreistyp"]
    df = q.group_aggregate("protection_seekers_per_1000", "kreis", 2024, ["bbsr_kreistyp"], None, "own", wh)
    assert df["n_excluded"].sum() == 2 and df["n_clusters_excluded"].sum() == 2  # one side per group
    g = df.set_index(df["bbsr_kreistyp"].astype(str)).loc[str(reg.loc["06611", "bbsr_kreistyp"])]
    assert g["n_excluded"] == 1 and "excluded" in g["method_en"]
    # Kassel's 23,975 (which include the Landkreis) are not in that group's numerator
    num = wh.sql("""SELECT sum(f.value) AS s FROM core.fact_observation f JOIN core.dim_region r USING (ags)
                    WHERE f.indicator_id = 'protection_seekers' AND f.level = 'kreis' AND f.year = 2024
                      AND r.level = 'kreis' AND r.bbsr_kreistyp = $t AND f.ags <> '06611'""",
                 {"t": int(reg.loc["06611", "bbsr_kreistyp"])})["s"].iloc[0]
    assert g["numerator"] == num


def unemployment_2025() -> pd.DataFrame:
    """13211-02-05-4 (2025): unemployed (col 4) and rate on all civilian labour force (col 12), the 400 Kreise
    (Hamburg 02 and Berlin 11 stand for their Kreis)."""
    path = MIRROR / "regionalstatistik_13211_arbeitslose_2023_2025" / "13211-02-05-4_2025.csv"
    rows = []
    for line in path.read_text(encoding="cp1252").splitlines():
        f = line.split(";")
        if len(f) < 12 or f[0] != "2025":
            continue
        key = {"02": "02000", "11": "11000"}.get(f[1], f[1])
        if len(key) == 5 and f[3] not in ("-", ".", ""):
            rows.append((key, int(f[3]), float(f[11].replace(",", "."))))
    return pd.DataFrame(rows, columns=["ags", "unemployed", "rate"])


def test_unemployment_group_rate_is_sum_unemployed_over_sum_labour_force(wh):
    raw = unemployment_2025()
    assert len(raw) == 400
    raw["lf"] = raw["unemployed"] / raw["rate"] * 100
    raw["g"] = raw["ags"].map(ew)
    exp = raw.groupby("g").apply(lambda d: d["unemployed"].sum() / d["lf"].sum() * 100, include_groups=False)
    df = q.group_aggregate("unemployment_rate", "kreis", 2025, ["east_west"], None, "own", wh).set_index("east_west")
    for g in ("east", "west", "berlin"):
        assert df.loc[g, "value"] == pytest.approx(exp[g], rel=1e-12)
        assert df.loc[g, "denominator"] == pytest.approx(raw.loc[raw["g"] == g, "lf"].sum(), rel=1e-12)
    assert not df["approximate"].any() and (df["weight_id"] == "labour_force_civilian").all()
    assert "civilian labour force" in df.loc["east", "method_en"]
    # the population-weighted mean the app used to show differs (East 2025: 7.04 instead of 7.03)
    popw = raw.merge(wh.sql("SELECT ags, value AS pop FROM core.fact_observation WHERE indicator_id='population' "
                            "AND level='kreis' AND year=2024"), on="ags")
    e = popw[popw["g"] == "east"]
    assert abs((e["rate"] * e["pop"]).sum() / e["pop"].sum() - df.loc["east", "value"]) > 0.01
    # no population of 2025 yet: the column says which date it is
    assert str(df.loc["east", "population_date"])[:10] == "2024-12-31"
    assert df.loc["east", "n_population_earlier"] == df.loc["east", "n"]


def children_under3_2016() -> dict[str, int]:
    """12411-0018: 31.12.2016, 'unter 3 Jahre' männlich (first value column) + weiblich (18th)."""
    path = MIRROR / "destatis_12411-0018_bevoelkerung_kreise_alter_2015-2020" / "12411-0018_kreise_2015-2020_latin1.csv"
    out = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        f = line.split(";")
        if len(f) == 37 and f[0] == "31.12.2016" and f[3].isdigit():
            out[f[1]] = int(f[3]) + int(f[20])
    # the rates are on the Kreis territory since 01.07.2021: Eisenach (16056) belongs to the Wartburgkreis (16063)
    out["16063"] += out.pop("16056")
    return out


def test_childcare_group_quota_is_weighted_by_the_children_of_the_age_group(wh):
    kids = children_under3_2016()
    rates = wh.sql("SELECT ags, value FROM core.fact_observation WHERE indicator_id = 'childcare_rate_under3' "
                   "AND level = 'kreis' AND year = 2016 AND value IS NOT NULL")
    rates["w"] = rates["ags"].map(kids)
    assert rates["w"].notna().all() and len(rates) == 400
    rates["g"] = rates["ags"].map(ew)
    exp = rates.groupby("g").apply(lambda d: (d["value"] * d["w"]).sum() / d["w"].sum(), include_groups=False)
    df = q.group_aggregate("childcare_rate_under3", "kreis", 2016, ["east_west"], None, "own", wh).set_index("east_west")
    assert df.loc["west", "value"] == pytest.approx(exp["west"], rel=1e-12)
    # East: six Thuringian Kreise exchanged Gemeinden in 2019; the warehouse converts their 2016 children to the
    # 2021 territory of the rates (BBSR Umsteigeschlüssel, population-proportional), the raw file cannot
    assert df.loc["east", "value"] == pytest.approx(exp["east"], abs=0.005)
    assert not df["approximate"].any() and "children under 3" in df.loc["west", "method_en"]
    # the population-weighted mean (the old method) is a different figure
    popw = rates.merge(wh.sql("SELECT ags, value AS pop FROM core.fact_observation WHERE indicator_id='population' "
                              "AND level='kreis' AND year=2016"), on="ags")
    w = popw[popw["g"] == "west"]
    assert abs((w["value"] * w["pop"]).sum() / w["pop"].sum() - df.loc["west", "value"]) > 0.05
    # a year without age groups in the store: population-weighted and labelled approximate
    old = q.group_aggregate("childcare_rate_under3", "kreis", 2010, ["east_west"], None, "own", wh)
    assert old["approximate"].all() and old["method_en"].str.contains("approximate").all()


def test_population_column_is_the_population_of_the_figures_year(wh):
    df = q.group_aggregate("protection_seekers_per_1000", "kreis", 2023, [], None, "own", wh)
    pop23 = wh.sql("SELECT sum(value) AS s FROM core.fact_observation WHERE indicator_id = 'population' "
                   "AND level = 'kreis' AND year = 2023")["s"].iloc[0]
    assert df["population"].iloc[0] == pop23 and str(df["population_date"].iloc[0])[:10] == "2023-12-31"
    assert pop23 != 83_577_140  # not the 31.12.2024 population


def test_group_series_points_equal_the_yearly_group_figures(wh):
    ts = q.group_series("unemployment_rate", "kreis", ["east_west"], None, "west", wh)
    years = sorted(ts["year"].unique())
    assert years[0] == 2001 and years[-1] == 2025 and 2021 in years
    for y in (2005, 2025):
        one = q.group_aggregate("unemployment_rate", "kreis", y, ["east_west"], None, "west", wh)
        a = ts[ts["year"] == y].set_index("east_west")["value"]
        assert a.to_dict() == pytest.approx(one.set_index("east_west")["value"].to_dict(), rel=1e-12)
    # 2021 comes from INKAR without unemployed counts: population-weighted, approximate
    assert ts[ts["year"] == 2021]["approximate"].all() and not ts[ts["year"] == 2025]["approximate"].any()
