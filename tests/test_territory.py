"""Territorial keys: GV-ISys xlsx, BBSR Umsteigeschlüssel, Destatis Gebietsänderungen.

Fixtures are small workbooks written here with openpyxl (imitating header rows, text keys, integer keys
without leading zero, footnotes); the real files in the snapshot mirror are checked against SOURCE.md values.
"""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from etl.errors import ParseError
from etl.parsers.bbsr_keys import parse_gemeinde_keys, parse_kreis_keys
from etl.parsers.gebietsaenderungen import parse_gebietsaenderungen
from etl.parsers.gvisys_xlsx import parse_auszug_gv, parse_kreise_vorjahr
from etl.settings import get_settings

MIRROR = get_settings().mirror


@pytest.fixture(scope="module")
def real():
    """Tests on the real files in the snapshot mirror (skipped without it)."""
    if not MIRROR.is_dir():
        pytest.skip(f"snapshot mirror {MIRROR} not present")
    return MIRROR


def _wb(path, sheets: dict[str, list[tuple]]):
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(list(r))
    wb.save(path)
    return path


AUSZUG_HEADER = [
    ("Gemeinden in Deutschland nach Fläche, Bevölkerung und Postleitzahl am 31.12.2021 (Jahr)",),
    (),
    ("Satz-art", "Text-kenn-zeichen", "Amtlicher Regionalschlüssel (ARS)", None, None, None, None, "Gemeindename",
     "Fläche km2 1)", "Bevölkerung2)"),
    (None, None, "Land", "RB", "Kreis", "VB", "Gem", None, None, "insgesamt", "männlich", "weiblich"),
    (None, None, "Gebietsstand am 31.12.2021 (Jahr)", None, None, None, None, None, "31.12.2021 (Jahr)",
     "am 31.12.2021 (Jahr)"),
    (),
]


@pytest.fixture()
def auszug(tmp_path):
    rows = AUSZUG_HEADER + [
        ("10", None, "01", None, None, None, None, "Schleswig-Holstein"),
        ("40", "41", "01", "0", "01", None, None, "Flensburg, Stadt"),
        ("60", "61", "01", "0", "01", "0000", "000", "Flensburg, Stadt", 56.73, 91113, 45336, 45777, 1606, "24937"),
        ("30", None, "08", "1", "1", None, None, "Region Stuttgart"),
        ("60", "64", "08", "1", "15", "5001", "003", "Testdorf", 7.5, "-", "-", "-", 0, "71000"),
        (),
        ("Quelle: Gemeindeverzeichnis-Informationssytem GV-ISys",),
        ("2) Die Ergebnisse ab Berichtsjahr 2016 …",),
        ("© Daten (im Auftrag der Herausgebergemeinschaft Statistische Ämter des Bundes und der Länder)",),
    ]
    return _wb(tmp_path / "auszug.xlsx", {"Inhalt": [("x",)], "Onlineprodukt_Gemeinden": rows})


def test_auszug_fixture(auszug):
    df = parse_auszug_gv(auszug)
    gem = df[df["satzart"] == "60"].set_index("ags")
    assert list(gem.index) == ["01001000", "08115003"]  # text keys, leading zeros kept
    assert gem.loc["01001000", "ars"] == "010010000000"
    assert gem.loc["01001000", "population"] == 91113
    assert gem.loc["08115003", "population"] == 0 and gem.loc["08115003", "population_flag"] == "-"
    assert set(df["gebietsstand"]) == {"2021-12-31"} and set(df["population_date"]) == {"2021-12-31"}
    assert df.loc[df["satzart"] == "30", "kreis_ags"].isna().all()  # region code is not a Kreis


def test_auszug_bad_key_and_symbol(tmp_path):
    rows = AUSZUG_HEADER + [("60", "64", "1", "0", "01", "0000", "000", "X", 1.0, 5)]
    with pytest.raises(ParseError, match="land"):
        parse_auszug_gv(_wb(tmp_path / "a.xlsx", {"Onlineprodukt_Gemeinden": rows}))
    rows = AUSZUG_HEADER + [("60", "64", "01", "0", "01", "0000", "000", "X", 1.0, "k.A.")]
    with pytest.raises(ParseError, match="not a number"):
        parse_auszug_gv(_wb(tmp_path / "b.xlsx", {"Onlineprodukt_Gemeinden": rows}))


def test_kreise_vorjahr_fixture(tmp_path):
    rows = [("Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung und Bevölkerungsdichte",),
            ("Gebietsstand: 31.12.2021",), (),
            ("Schlüssel-nummer", "Regionale Bezeichnung", "Kreisfreie Stadt", "NUTS3", "Fläche", "Bevölkerung2)"),
            (1, "2", 3, 4, 5, 6, 7, 8, 9),
            ("05", "Nordrhein-Westfalen"), ("051", "Reg.-Bez. Düsseldorf"),
            ("05913", "Kreisfreie Stadt", "Dortmund, Stadt", "DEA52", 280.71, 586852, 288580, 298272, 2091),
            ("16063", "Landkreis", "Wartburgkreis", "DEG0P", 1371.14, ".", None, None, None),
            (None, None, "Insgesamt", None, 1651.85, 745752, 1, 1, 1),
            ("© Daten …",)]
    df = parse_kreise_vorjahr(_wb(tmp_path / "k.xlsx", {"Deckblatt": [("x",)], "Kreisfreie Städte u. Landkreise": rows}))
    assert list(df["ags"]) == ["05913", "16063"]  # headings and sums are not Kreise
    assert df.loc[0, "population"] == 586852
    assert pd.isna(df.loc[1, "population"]) and df.loc[1, "population_flag"] == "."  # symbol, not 0
    assert df.loc[0, "gebietsstand"] == "2021-12-31"


def _kreis_sheet(year: int, target: str, rows: list[tuple]) -> list[tuple]:
    head = (f"Kreise\n 31.12.{year}", f"Kreisname {year}", "flächen-\nproportionaler\nUmsteige-schlüssel",
            "bevölkerungs- \nproportionaler \nUmsteige- \nschlüssel", f"Fläche am 31.12.{year} in km²",
            f"Bevölkerung am 31.12.{year} in 1000", f"Kreise\n {target}", f"Kreisname {target[-4:]}")
    return [head, *rows, (None,) * 8]


def test_kreis_keys_fixture(tmp_path):
    path = _wb(tmp_path / "k.xlsx", {
        "2010": _kreis_sheet(2010, "31.12.2021", [
            (3152000, "Göttingen", 1, 1, 1117.2, 258.3, 3159000, "Göttingen"),
            (3156000, "Osterode am Harz", 1, 1, 636.0, 77.3, 3159000, "Göttingen"),
            (16063000, "Wartburgkreis", 0.97, 0.974, 1264.4, 127.2, 16063000, "Wartburgkreis"),
            (16063000, "Wartburgkreis", 0.03, 0.026, 40.4, 3.4, 16066000, "Schmalkalden-Meiningen")])})
    df = parse_kreis_keys(path)
    assert set(df["from_ags"]) == {"03152", "03156", "16063"}  # leading zero restored, ×1000 removed
    assert set(df.loc[df["from_ags"] == "03152", "to_ags"]) == {"03159"}
    assert df["from_year"].eq(2010).all()
    assert df.loc[df["from_ags"] == "03152", "population"].iloc[0] == 258300
    assert df["weight_emp"].isna().all()  # no employment key in this sheet


def test_kreis_keys_weights_must_add_up(tmp_path):
    path = _wb(tmp_path / "k.xlsx", {"2010": _kreis_sheet(2010, "31.12.2021", [
        (16063000, "Wartburgkreis", 0.9, 0.9, 1.0, 1.0, 16063000, "Wartburgkreis")])})
    with pytest.raises(ParseError, match="add up"):
        parse_kreis_keys(path)


def test_gebietsaenderungen_fixture(tmp_path):
    rows = [("Gebietsänderungen vom 01.01. - 31.12.2024",),
            ("Kennziffer", "Regionaleinheit", "Abgebende / Aufgelöste Gemeinde", None, None, None, None, None,
             "Aufnehmende / Neugebildete Gemeinde", None, None, "Wirksamkeitsdatum"),
            (None, None, "ARS", "AGS", "Name", "Änderungs-art 1)", "Fläche qm", "Einwohner", "ARS", "AGS", "Name",
             "juristisch", "statistisch"),
            ("14/2024/0005-R", "Gemeinde", "147290050050", "14729050", "Borna, Stadt", "2", "13738", "0",
             "147290220220", "14729220", "Kitzscher, Stadt", "01.01.2024", "01.01.2024"),
            ("16/2024/0013-R", "Gemeinde", 160760004004, 16076004, "Berga/Elster, Stadt", 1, 43522416, 3218,
             160760094094, 16076094, "Berga-Wünschendorf, Stadt", "01.01.2024", "01.01.2024"),
            ("16/2024/0013-R", "Gemeindeverband", "160765004", None, "Wünschendorf", "3, 4", None, None,
             "160760094", None, "Berga", "01.01.2024", "01.01.2024"),
            ("Bitte beachten Sie …",), ("1) Änderungsart:",), ("    1 = Auflösung",), ("    2 = Teilausgliederung",),
            ("    3 = Schlüsseländerung",), ("    4 = Namensänderung",), ("© Daten …",)]
    df = parse_gebietsaenderungen(_wb(tmp_path / "g.xlsx", {"Deckblatt": [("x",)], "Gebietsaenderungen": rows}))
    assert len(df) == 3
    assert df.loc[0, "from_ags"] == "14729050" and df.loc[0, "change_meaning"] == "Teilausgliederung"
    assert df.loc[1, "from_ags"] == "16076004" and df.loc[1, "population"] == 3218  # numeric cells keep zeros
    assert df.loc[1, "from_ars"] == "160760004004"
    assert df.loc[2, "change_meaning"] == "Schlüsseländerung, Namensänderung"
    assert (df["period_start"].iloc[0], df["period_end"].iloc[0]) == ("2024-01-01", "2024-12-31")
    assert df.loc[0, "effective_statistical"] == "2024-01-01"
    rows[3] = rows[3][:5] + ("7",) + rows[3][6:]
    with pytest.raises(ParseError, match=r"codes \[7\]"):
        parse_gebietsaenderungen(_wb(tmp_path / "h.xlsx", {"Gebietsaenderungen": rows}))


# --- real files -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_bbsr(real):
    d = MIRROR / "bbsr_umsteigeschluessel_2021-2023"
    return (parse_kreis_keys(d / "ref-kreise-umrech-2021-1990-2020.xlsx"),
            parse_gemeinde_keys(d / "ref-gemeinden-ab-2020.xlsx"))


def test_real_kreis_keys(real, real_bbsr):
    k, _ = real_bbsr
    assert k.groupby("from_year")["to_ags"].nunique().eq(400).all()
    e = k[(k["from_year"] == 2019) & (k["from_ags"] == "16056")]
    assert e[["to_ags", "weight_pop", "weight_area"]].values.tolist() == [["16063", 1.0, 1.0]]
    g = k[(k["from_year"] == 2010) & k["from_ags"].isin(["03152", "03156"])]
    assert set(g["to_ags"]) == {"03159"} and g["weight_pop"].eq(1).all()
    leip = k[(k["from_year"] == 2020) & (k["from_ags"] == "14713")].iloc[0]
    assert leip["to_ags"] == "14713" and leip["pop_thousands"] == pytest.approx(597.5)


def test_real_kreis_keys_2020_superseded(real):
    k = parse_kreis_keys(MIRROR / "bbsr_kreis_umrechnung_1990-2019" / "ref-kreise-umrech-2020-1990-2019.xlsx")
    s2019 = k[k["from_year"] == 2019]
    assert len(s2019) == 401 and (s2019["from_ags"] == s2019["to_ags"]).all()  # identity, incl. 16056
    mv = k[(k["from_year"] == 2010) & (k["from_ags"] == "13051")]
    assert mv["to_ags"].tolist() == ["13072"]


def test_real_gemeinde_keys(real, real_bbsr):
    _, g = real_bbsr
    assert g.groupby("sheet").size().to_dict() == {"2020": 11004, "2021": 10995, "2022": 11000}
    e = g[(g["sheet"] == "2020") & (g["from_ags"] == "16056000")]
    assert e["to_ags"].tolist() == ["16063105"]
    leip = g[g["from_ags"] == "14713000"].set_index("sheet")["population"]
    assert leip["2020"] == 597490 and leip["2022"] == 616093  # hundreds → persons; 2022 sheet absolute
    assert (g[g["sheet"] == "2022"]["from_ars"].str.len() == 12).all()
    splits = g[g["sheet"] == "2022"].groupby("from_ags").size()
    assert {"08425020", "08425108", "09374451", "12065251", "14523170"} <= set(splits[splits > 1].index)


def test_real_auszug(real):
    d = MIRROR / "destatis_gv_auszug_2021-2024"  # store folder (dataset destatis_gv_auszug)
    df = parse_auszug_gv(d / "31122021_Auszug_GV.xlsx")
    gem = df[df["satzart"] == "60"].set_index("ags")
    assert len(gem) == 10997 and gem["population"].sum() == 83_237_124
    assert gem.loc["05913000", "population"] == 586_852 and gem.loc["14713000", "population"] == 601_866
    q4 = parse_auszug_gv(d / "AuszugGV4QAktuell_2024.xlsx")
    assert (q4["gebietsstand"].iloc[0], q4["population_date"].iloc[0]) == ("2024-12-31", "2023-12-31")
    assert (q4["satzart"] == "60").sum() == 10959


def test_real_kreise_2021(real):
    df = parse_kreise_vorjahr(MIRROR / "destatis_kreise_flaeche_bevoelkerung_2021" / "04_KreiseVorjahr.xlsx").set_index("ags")
    assert len(df) == 400 and "16056" not in df.index
    assert df.loc["05913", "population"] == 586_852 and df.loc["05913", "area_km2"] == pytest.approx(280.71)
    assert df.loc["08111", "population"] == 626_275 and df.loc["13003", "population"] == 208_400
    assert df["population"].sum() == 83_237_124


def test_real_gebietsaenderungen(real):
    d = MIRROR / "destatis_gebietsaenderungen_2023-2025"
    counts = {}
    for f in ("2023", "2024", "2025-02"):
        df = parse_gebietsaenderungen(d / f"Gebietsaenderungen_{f}.xlsx")
        counts[f] = df["regionaleinheit"].value_counts().to_dict()
        if f == "2024":
            b = df[(df["kennziffer"] == "14/2024/0005-R") & (df["to_ags"] == "14729220")].iloc[0]
            assert (b["from_ags"], b["change_type"], b["area_sqm"], b["population"]) == ("14729050", "2", 13738, 0)
        if f == "2025-02":
            g = df[df["kennziffer"] == "07/2025/0001-R"]
            assert {"07131090", "07131017"} <= set(g["from_ags"])
            assert df["period_end"].iloc[0] == "2025-02-28"
    assert counts == {"2023": {"Gemeinde": 43, "Gemeindeverband": 15}, "2024": {"Gemeinde": 67, "Gemeindeverband": 15},
                      "2025-02": {"Gemeinde": 21, "Gemeindeverband": 7}}
