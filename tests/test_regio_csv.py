"""etl.parsers.regio_csv on hand-written fixtures (both encodings, wide and long layouts, symbols,
bad input) and on every real regionalstatistik / GENESIS table CSV of the snapshot mirror."""
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import ParseError
from etl.parsers.regio_csv import drop_nonexistent, nonexistent, read_regio_csv
from etl.settings import get_settings

FIX = Path(__file__).parent / "fixtures"
WIDE = FIX / "regio_12411_wide_latin1.csv"
LONG = FIX / "regio_13211_long_utf8.csv"
MIRROR = get_settings().mirror


def cell(t, key, variable, time=None):
    d = t.data
    sel = d[d["key"].eq(key) & d["variable"].eq(variable)]
    if time is not None:
        sel = sel[sel["time"].eq(time)]
    assert len(sel) == 1, (key, variable, time, len(sel))
    return sel.iloc[0]


# -- fixtures ---------------------------------------------------------------------------------------------
def test_wide_layout_latin1():
    t = read_regio_csv(WIDE)
    assert t.table == "12411-01-01-4"
    assert t.encoding in {"cp1252", "latin-1"}
    assert t.stand == "10.10.2017 / 11:57:53"
    assert t.variables() == ["Insgesamt", "männlich", "weiblich"]
    assert "Bevölkerungsstand (Anzahl)" in t.title
    leipzig = cell(t, "14713", "Insgesamt", "31.12.2015")
    assert leipzig["value"] == 560472 and pd.isna(leipzig["flag"])
    assert leipzig["date"] == "2015-12-31" and leipzig["year"] == 2015 and leipzig["name"] == "Leipzig, Stadt"
    assert leipzig["indent"] == 6 and leipzig["level"] == "kreis"
    assert cell(t, "03152", "Insgesamt", "31.12.2015")["name"] == "Göttingen, Landkreis"
    levels = t.data.drop_duplicates("key").set_index("key")["level"].to_dict()
    assert levels == {"DG": "bund", "03": "land", "031": "regierungsbezirk", "03152": "kreis", "03159": "kreis",
                      "03241001": "gemeinde", "14": "land", "14713": "kreis", "14714": "kreis"}


def test_symbols_never_become_numbers():
    t = read_regio_csv(WIDE)
    secret = cell(t, "14713", "Insgesamt", "31.12.2007")
    assert pd.isna(secret["value"]) and secret["flag"] == "." and secret["raw"] == "."
    zero = cell(t, "14714", "weiblich", "31.12.2015")
    assert zero["value"] == 0 and zero["flag"] == "-"
    assert t.data.loc[t.data["flag"].isin([".", "x"]), "value"].isna().all()


def test_same_table_in_utf8_and_latin1_reads_the_same(tmp_path):
    utf8 = tmp_path / "wide_utf8.csv"
    utf8.write_bytes(WIDE.read_bytes().decode("latin-1").encode("utf-8"))
    a, b = read_regio_csv(WIDE), read_regio_csv(utf8)
    assert b.encoding == "utf-8"
    pd.testing.assert_frame_equal(a.data, b.data)


def test_long_layout_decimal_comma_and_units():
    t = read_regio_csv(LONG)
    assert t.variables() == ["Arbeitslose", "Arbeitslose | Ausländer",
                             "Arbeitslosenquote bez. auf alle zivile Erwerbsp.",
                             "Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer"]
    rate = cell(t, "14713", "Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "2020")
    assert rate["value"] == 7.5 and rate["unit"] == "Prozent" and pd.isna(rate["date"]) and rate["year"] == 2020
    assert cell(t, "14713", "Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer", "2020")["value"] == 21.4
    hidden = cell(t, "14713", "Arbeitslosenquote bez. auf alle zivile Erwerbsp. | Ausländer", "2018")
    assert pd.isna(hidden["value"]) and hidden["flag"] == "."
    blocked = cell(t, "16056", "Arbeitslose | Ausländer", "2018")
    assert pd.isna(blocked["value"]) and blocked["flag"] == "x"
    assert cell(t, "14713", "Arbeitslose", "2020")["unit"] == "Anzahl"


def test_rows_dash_throughout_are_units_that_did_not_exist():
    t = read_regio_csv(WIDE)
    kept, dropped = drop_nonexistent(t.data)
    assert set(dropped["key"]) == {"03159"}
    assert not kept["key"].eq("03159").any()
    # a "-" next to numbers in the same row is a true zero and stays
    assert kept[kept["key"].eq("14714") & kept["raw"].eq("-")]["value"].eq(0).all()
    long = read_regio_csv(LONG).data
    gone = long[nonexistent(long)]
    assert set(zip(gone["key"], gone["time"])) == {("13001", "2020")}
    # symbols only, with a "-": a key no longer valid (05354 Kreis Aachen 2010 in 13211: counts "-", rates ".")
    mixed = long.copy()
    mixed.loc[mixed["key"].eq("13001"), ["raw", "flag"]] = [".", "."]
    mixed.loc[mixed["key"].eq("13001"), "value"] = pd.NA
    count = mixed["key"].eq("13001") & mixed["variable"].eq("Arbeitslose")
    mixed.loc[count, ["raw", "flag", "value"]] = ["-", "-", 0.0]
    assert set(mixed.loc[nonexistent(mixed), "key"]) == {"13001"}
    # symbols without any "-" are kept: "." is a secret value of an existing unit
    assert not nonexistent(mixed.assign(raw=mixed["raw"].replace("-", "."))).any()


def test_time_from_title_and_category_columns():
    body = ("GENESIS-Tabelle: 13211-01-03-5\nArbeitslose;;;\nJahr: 2016;;;\n;;Arbeitslose insgesamt;Arbeitslose\n"
            ";;;Ausländer\n;;Anzahl;Anzahl\nDG;Deutschland;2690975;629356\n"
            "01051017;        Busenwurth;-;-\n________\nStand: 10.10.2017\n")
    t = read_regio_csv(body.encode("utf-8"), name="gem.csv")
    assert set(t.data["time"]) == {"2016"} and set(t.data["level"]) == {"bund", "gemeinde"}
    cat = ("GENESIS-Tabelle: 22543-01-02-4\nBetreuung;;;;;\n;;;;Betreute Kinder;Betreute Kinder\n"
           ";;;;;unter 3 Jahre\n;;;;Anzahl;Anzahl\n01.03.2016;14713;      Leipzig, Stadt;Tageseinrichtung;45000;8900\n"
           "01.03.2016;14713;      Leipzig, Stadt;Tagespflege;600;500\n__________\n")
    t = read_regio_csv(cat.encode("utf-8"), name="kita.csv")
    assert set(t.data["category"]) == {"Tageseinrichtung", "Tagespflege"}
    assert set(t.data["date"]) == {"2016-03-01"}
    d = t.data
    assert d[d["variable"].eq("Betreute Kinder | unter 3 Jahre")]["value"].tolist() == [8900, 500]
    assert d[d["category"].eq("Tagespflege") & d["variable"].eq("Betreute Kinder")]["value"].item() == 600


def test_districts_inside_a_kreis_are_not_kreise():
    body = ("GENESIS-Tabelle: 12411-01-01-5\nBev;;\n;;31.12.2012\n;;Insgesamt\n11;  Berlin;3375222\n"
            "11001;        Berlin-Mitte;329969\n11000000;        Berlin, Stadt;3375222\n"
            "01001;      Flensburg;83462\n__________\n")
    t = read_regio_csv(body.encode("utf-8"), name="g.csv")
    assert t.data.set_index("key")["level"].to_dict() == {"11": "land", "11001": "bezirk",
                                                           "11000000": "gemeinde", "01001": "kreis"}


# -- bad input ------------------------------------------------------------------------------------------------
GOOD = WIDE.read_bytes().decode("latin-1")


def broken(text: str) -> bytes:
    return text.encode("latin-1")


def test_error_missing_footer_says_truncated():
    with pytest.raises(ParseError, match="truncated"):
        read_regio_csv(broken(GOOD.split("__________")[0]), name="cut.csv")


def test_error_not_a_genesis_table():
    with pytest.raises(ParseError, match="GENESIS-Tabelle") as e:
        read_regio_csv(b"statistics_code;time;value\n1;2;3\n__________\n", name="x.csv")
    assert e.value.line == 1 and e.value.file == "x.csv"


def test_error_names_line_field_and_value_of_a_bad_number():
    with pytest.raises(ParseError) as e:
        read_regio_csv(broken(GOOD.replace("560472;", "56O472;")), name="typo.csv")
    err = e.value
    assert (err.file, err.line, err.field, err.value) == ("typo.csv", 16, "Insgesamt", "56O472")
    assert "typo.csv, line 16, field 'Insgesamt', value '56O472'" in str(err)


def test_error_dotted_number_is_ambiguous():
    with pytest.raises(ParseError, match="decimal comma") as e:
        read_regio_csv(broken(GOOD.replace("560472;", "560.472;")), name="dots.csv")
    assert e.value.value == "560.472"


def test_error_wrong_number_of_fields():
    with pytest.raises(ParseError, match="expected 8 fields, found 7") as e:
        read_regio_csv(broken(GOOD.replace("560472;274414;", "560472;")), name="short.csv")
    assert e.value.line == 16


def test_error_bad_key():
    with pytest.raises(ParseError, match="regional key") as e:
        read_regio_csv(broken(GOOD.replace("14713;", "1471;")), name="key.csv")
    assert e.value.field == "key" and e.value.value == "1471"


def test_error_no_time_anywhere():
    body = "GENESIS-Tabelle: 1\nTitel;;\n;;Insgesamt\nDG;Deutschland;1\n__________\n"
    with pytest.raises(ParseError, match="no reference time"):
        read_regio_csv(body.encode(), name="notime.csv")


# -- real files ---------------------------------------------------------------------------------------------
REAL = {
    "regionalstatistik_12411_bevoelkerung/12411-01-01-4_1995-2015_datenguide.csv": "utf-8",
    "regionalstatistik_12411_bevoelkerung/12411-01-01-5_gemeinden_2008-2015_datenguide.csv": "utf-8",
    "regionalstatistik_12411_bevoelkerung/destatis_12411-0015_kreise_2009-2016_latin1.csv": "cp1252",
    "destatis_12411-0018_bevoelkerung_kreise_alter_2015-2020/12411-0018_kreise_2015-2020_latin1.csv": "cp1252",
    "regionalstatistik_13211_arbeitslose_2001-2017/13211-02-05-4_kreise_2001-2017_latin1.csv": "cp1252",
    "regionalstatistik_13211_arbeitslose_2001-2017/13211-01-03-5_gemeinden_2016_datenguide.csv": "utf-8",
    "regionalstatistik_13211_arbeitslose_2015-2020/13211-02-05-4_kreise_2015-2020_latin1.csv": "cp1252",
    "regionalstatistik_kita_22541_22543_2007-2016/22541-01-04-4_00.csv": "utf-8",
    "regionalstatistik_kita_22541_22543_2007-2016/22543-01-01-4_00.csv": "utf-8",
    "regionalstatistik_kita_22541_22543_2007-2016/22543-01-02-4_00.csv": "utf-8",
    "regionalstatistik_sozial_22811_22221_2010-2015/22221-01-01-4_00.csv": "utf-8",
    "regionalstatistik_sozial_22811_22221_2010-2015/22811-01-01-4_00.csv": "utf-8",
}


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_file_parses(rel):
    t = read_regio_csv(MIRROR / rel)
    assert t.encoding == REAL[rel]
    assert t.stand and t.table in rel
    d = t.data
    assert d["key"].str.fullmatch(r"DG|\d+").all()
    assert not d["name"].str.contains("Ã").any()  # no mojibake
    assert d.loc[d["flag"].isin([".", "x", "/", "..."]), "value"].isna().all()
    assert d.loc[d["flag"].eq("-"), "value"].eq(0).all()


def test_real_12411_spot_checks():
    t = read_regio_csv(MIRROR / "regionalstatistik_12411_bevoelkerung/12411-01-01-4_1995-2015_datenguide.csv")
    assert cell(t, "14713", "Insgesamt", "31.12.2015")["value"] == 560472
    assert cell(t, "05913", "Insgesamt", "31.12.2015")["value"] == 586181
    k = read_regio_csv(MIRROR / "regionalstatistik_12411_bevoelkerung/destatis_12411-0015_kreise_2009-2016_latin1.csv")
    assert cell(k, "14713", "", "31.12.2016")["value"] == 571088
    assert cell(k, "03152", "", "31.12.2016")["flag"] == "-"
    assert cell(k, "01003", "", "31.12.2016")["name"] == "Lübeck, kreisfreie Stadt"


def test_real_13211_spot_checks():
    t = read_regio_csv(MIRROR / "regionalstatistik_13211_arbeitslose_2015-2020"
                       / "13211-02-05-4_kreise_2015-2020_latin1.csv")
    q = "Arbeitslosenquote bez. auf alle zivile Erwerbsp."
    assert cell(t, "14713", q, "2020")["value"] == 7.5
    assert cell(t, "14713", q + " | Ausländer", "2020")["value"] == 21.4
    assert cell(t, "14713", q + " | Ausländer", "2018")["flag"] == "."
    assert cell(t, "05913", "Arbeitslose", "2015")["value"] == 37414
