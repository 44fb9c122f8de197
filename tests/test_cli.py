"""CLI against the real warehouse: listings, exports with provenance, groups, clear errors."""
import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from etl.cli import app

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def built(real_warehouse):
    return real_warehouse


def invoke(*args):
    return runner.invoke(app, list(args))


def test_regions_land_csv():
    res = invoke("regions", "--level", "land", "--format", "csv")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout), dtype={"ags": str, "land": str})
    assert len(df) == 16
    assert list(df.columns[:4]) == ["ags", "name", "level", "land"]
    assert df["ags"].tolist()[:2] == ["01", "02"]
    assert df["population"].sum() == 83_577_140


def test_regions_gemeinde_has_every_directory_unit():
    res = invoke("regions", "--level", "gemeinde", "--format", "csv")
    df = pd.read_csv(io.StringIO(res.stdout), dtype={"ags": str})
    assert len(df) == 10953 and df["ags"].str.fullmatch(r"\d{8}").all()


def test_export_csv_columns_and_values(tmp_path):
    out = tmp_path / "pop.csv"
    res = invoke("export", "--indicator", "population", "--level", "kreis", "--year", "2024", "--output", str(out))
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out, dtype={"ags": str})
    assert list(df.columns[:12]) == ["ags", "name", "level", "land", "kommunaltyp", "size_class", "east_west",
                                     "reference_date", "value", "unit", "flag", "source"]
    assert df.set_index("ags").loc["14713", "value"] == 611850
    assert (df["licence"] == "dl-de/by-2-0").all()


def test_export_xlsx_has_source_sheet(tmp_path):
    out = tmp_path / "pop.xlsx"
    res = invoke("export", "--indicator", "population", "--level", "land", "--year", "2024", "--format", "xlsx",
                 "--output", str(out))
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"Daten", "Quelle und Lizenz"}
    meta = dict(zip(sheets["Quelle und Lizenz"]["Feld"], sheets["Quelle und Lizenz"]["Inhalt"]))
    assert "dl-de/by-2-0" in meta["Lizenz / licence"]


def test_groups_by_two_facets():
    res = invoke("groups", "--indicator", "population", "--level", "kreis", "--year", "2024",
                 "--by", "kommunaltyp,east_west", "--format", "csv")
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert df["value"].sum() == 83_577_140
    assert {"n", "population", "method"} <= set(df.columns)


@pytest.mark.parametrize("args,needle", [
    (("export", "--indicator", "nope", "--level", "kreis", "--year", "2024"), "unknown indicator 'nope'; available:"),
    (("export", "--indicator", "population", "--level", "bezirk", "--year", "2024"), "unknown level"),
    (("export", "--indicator", "population", "--level", "kreis", "--year", "1850"), "no values for 1850"),
    (("groups", "--indicator", "population", "--level", "kreis", "--year", "2024", "--by", "hair"), "unknown facet"),
])
def test_unknown_selection_exits_nonzero_with_listing(args, needle):
    res = invoke(*args)
    assert res.exit_code == 2
    assert needle in res.output.replace("\n", " ")
