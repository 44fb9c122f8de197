"""etl.parsers.regio_rows: a regionalstatistik table saved without its GENESIS frame (hand-written fixture
with the layout of the 22221 Kreis file of 31.12.2019)."""
from pathlib import Path

import pytest

from etl.errors import ParseError
from etl.parsers.regio_csv import nonexistent
from etl.parsers.regio_rows import read_regio_rows

FIXTURE = Path(__file__).parent / "fixtures" / "regio_22221_rows_2019_latin1.csv"

ROWS_COLUMNS = {"empfaenger_asylbewerber": "Regelleistungsempfänger",
                "empfaenger_asylbewerber_weiblich": "Regelleistungsempfänger | weiblich",
                "empfaenger_asylbewerber_maennlich": None}


def test_rows_layout_restores_keys_and_levels():
    t = read_regio_rows(FIXTURE, table="22221-01-01-4", columns=ROWS_COLUMNS)
    d = t.data[t.data["variable"].eq("Regelleistungsempfänger")].set_index("key")
    assert t.table == "22221-01-01-4" and t.encoding == "cp1252"
    assert d.loc["01", "level"] == "land" and d.loc["01004", "level"] == "kreis"
    assert d.loc["051", "level"] == "regierungsbezirk" and d.loc["141", "level"] == "regierungsbezirk"
    assert d.loc["05334002", "level"] == "gemeinde" and d.loc["14", "level"] == "land"
    assert d.loc["01004", "value"] == 1681 and d.loc["01004", "name"] == "Neumünster, Kreisfreie Stadt"
    assert d.loc["16074", "value"] == 24 and d.loc["DG", "date"] == "2019-12-31"
    # "-" stays a flagged zero; whole "-" rows are the parser's `nonexistent` (no unit), not zeros
    dash = t.data[t.data["key"].eq("14161")]
    assert dash["flag"].eq("-").all() and nonexistent(t.data)[dash.index].all()
    assert not nonexistent(t.data)[t.data["key"].eq("16074")].any()
    assert t.data["variable"].eq("? empfaenger_asylbewerber_maennlich").sum() == 10


def test_rows_layout_errors_name_file_line_and_value():
    good = (FIXTURE).read_bytes()
    with pytest.raises(ParseError, match="not described in the catalogue") as e:
        read_regio_rows(good, name="x.csv", table="22221-01-01-4",
                        columns={k: v for k, v in ROWS_COLUMNS.items() if v})
    assert e.value.value == "empfaenger_asylbewerber_maennlich" and e.value.line == 1
    # a Kreis key that lost two digits would become a Land: the indentation gives it away
    with pytest.raises(ParseError, match="indented like") as e:
        read_regio_rows(good.replace(b";1004;", b";10;"), name="x.csv", table="t", columns=ROWS_COLUMNS)
    assert e.value.value == "10" and e.value.line == 4
    with pytest.raises(ParseError, match="not a regional key") as e:
        read_regio_rows(good.replace(b";16074;", b";160744;"), name="x.csv", table="t", columns=ROWS_COLUMNS)
    assert e.value.line == 11
    with pytest.raises(ParseError, match="decimal comma"):
        read_regio_rows(good.replace(b";1681;", b";1.681;"), name="x.csv", table="t", columns=ROWS_COLUMNS)
