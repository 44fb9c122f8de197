"""Königsteiner Schlüssel (GWK, 2010–2020): the PDF reader on hand-written text lines, the step on the real PDF,
the repository's CSV transcription against the PDF, and the warehouse (16 Länder add up to 100 %)."""
import importlib

import pandas as pd
import pytest

from etl.catalogue import load_catalogue, load_indicators
from etl.errors import ParseError
from etl.parsers.gwk_pdf import LAENDER, read_koenigsteiner_pdf
from etl.settings import Settings
from etl.snapshots import SnapshotStore
from etl.step import StepContext, observations
from etl.validate import validate_observations
from tests.conftest import MIRROR

DATASET = "gwk_koenigsteiner_schluessel"
FOLDER = MIRROR / "gwk_koenigsteiner_schluessel_2010-2020"


def lines(values=None, extra=()):
    """A two-year table as pypdf extracts it: long names broken after their hyphen."""
    out = ["2019 2020", "BAnz AT", "06.05.2021 B8", "BAnz AT", "04.11.2025 B7"]
    for name in sorted(LAENDER):
        a, b = (values or {}).get(name, ("6,25000", "6,25000"))
        if "-" in name and name != "Sachsen-Anhalt":
            first, rest = name.split("-", 1)
            out += [f"{first}-", f"{rest} {a} % {b} %"]
        else:
            out.append(f"{name} {a} % {b} %")
    out += list(extra) + ["Zusammen 100,00000 % 100,00000 %", "Königsteiner Schlüssel für das Jahr"]
    return out


def test_reader_on_text_lines():
    shares, banz = read_koenigsteiner_pdf("ks.pdf", lines=lines({"Nordrhein-Westfalen": ("21,07592", "20,96090")}))
    nrw = shares[shares["ags"].eq("05")].set_index("year")["value"]
    assert nrw[2019] == 21.07592 and nrw[2020] == 20.9609
    assert set(shares["ags"]) == set(LAENDER.values()) | {"DG"} and len(shares) == 34
    assert shares.loc[shares["name"].eq("Baden-Württemberg"), "ags"].iloc[0] == "08"
    assert banz.set_index("year").loc[2020, "banz"] == "BAnz AT 04.11.2025 B7"


def test_reader_errors_name_the_value():
    with pytest.raises(ParseError, match="not one of the 16 Länder") as e:
        read_koenigsteiner_pdf("ks.pdf", lines=lines(extra=["Preußen 1,00000 % 1,00000 %"]))
    assert e.value.value == "Preußen"
    with pytest.raises(ParseError, match="1 values for 2 years"):
        read_koenigsteiner_pdf("ks.pdf", lines=[ln.replace("Bayern 6,25000 % 6,25000 %", "Bayern 6,25000 %")
                                                for ln in lines()])
    with pytest.raises(ParseError, match="not all 16 Länder"):
        read_koenigsteiner_pdf("ks.pdf", lines=[ln for ln in lines() if not ln.startswith("Bremen")])


@pytest.fixture(scope="module")
def step():
    s = Settings(online="0")
    entry = load_catalogue()[DATASET]
    ctx = StepContext(DATASET, s, SnapshotStore(s), entry)
    res = importlib.import_module(entry["step"]).run(ctx)
    obs = observations(res.observations)
    validate_observations(obs, DATASET)
    return obs, res


def test_step_real_pdf(step):
    obs, res = step
    v = obs.set_index(["ags", "reference_date"])["value"]
    assert v[("05", "2020-12-31")] == 20.96090      # Nordrhein-Westfalen, key for 2020
    assert v[("05", "2019-12-31")] == 21.07592
    assert v[("09", "2019-12-31")] == 15.56072      # Bayern
    assert v[("04", "2010-12-31")] == 0.94509       # Bremen
    assert v[("DG", "2015-12-31")] == 100.0
    laender = obs[obs["level"].eq("land")]
    assert laender.groupby("reference_date").size().eq(16).all() and laender["reference_date"].nunique() == 11
    sums = laender.groupby("reference_date")["value"].sum()
    assert (sums - 100).abs().max() < 16 * 0.000005
    banz = res.tables["gwk_koenigsteiner_schluessel"].drop_duplicates("year").set_index("year")["banz"]
    assert banz[2013] == "BAnz AT 30.05.2016 B4" and banz[2010] == "BAnz Nr. 192 v. 18.12.2009, S. 4309"


def test_csv_transcription_equals_the_pdf(step):
    """The repository's CSV (2014–2016 as fractions) is a copy of the PDF, not a second source."""
    obs, _ = step
    csv = pd.read_csv(FOLDER / "koenigsteiner_schluessel_2014_2016.csv", dtype={"federal_state": str})
    v = obs.set_index(["ags", "reference_date"])["value"]
    for _, r in csv.iterrows():
        for year in (2014, 2015, 2016):
            assert round(r[f"koenigstein_share_{year}"] * 100, 5) == v[(LAENDER[r["federal_state"]], f"{year}-12-31")]


def test_indicator_fields():
    spec = load_indicators()["koenigsteiner_schluessel_share"]
    assert (spec["unit"], spec["kind"], spec["role"], spec["polarity"]) == ("%", "rate", "context", "neutral")


def test_warehouse_sums_to_100(real_warehouse):
    from warehouse.connection import connect_reader
    con = connect_reader(real_warehouse)
    try:
        rows = con.execute("""SELECT year, count(*), sum(value) FROM core.fact_observation
            WHERE indicator_id = 'koenigsteiner_schluessel_share' AND level = 'land' GROUP BY 1 ORDER BY 1""").fetchall()
        nrw = con.execute("""SELECT value FROM core.fact_observation WHERE indicator_id = 'koenigsteiner_schluessel_share'
            AND ags = '05' AND reference_date = DATE '2020-12-31'""").fetchone()[0]
    finally:
        con.close()
    assert [r[0] for r in rows] == list(range(2010, 2021))
    assert all(r[1] == 16 and abs(r[2] - 100) < 16 * 0.000005 for r in rows)
    assert nrw == 20.9609
