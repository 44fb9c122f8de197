"""Deutschlandatlas: parser on hand-written workbooks of both layouts, the real editions (values pinned from the
SOURCE.md files and cross-read with openpyxl), the step (ids, reference dates), the indicator catalogue against the
official PDFs, and the built warehouse (role/polarity in core.dim_indicator, values in core.fact_observation)."""
from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.catalogue import load_catalogue, load_indicators
from etl.errors import ParseError
from etl.parsers.deutschlandatlas import MISSING_FLAG, header_year, read_workbook, sheet_gebietsstand, squash
from etl.settings import get_settings
from etl.validate import PROJECT_FLAGS

MIRROR = get_settings().mirror
ED24 = MIRROR / "deutschlandatlas_2024-12-12"
ED26 = MIRROR / "deutschlandatlas_2026-04-22"
XLSX = "Deutschlandatlas-Daten.xlsx"
PDF = "extracted_from_xlsx_Datenangebot_Deutschlandatlas_Indikatoren.pdf"


def _write(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


@pytest.fixture()
def layout2024(tmp_path) -> Path:
    """Edition 12.12.2024: header in row 1, bare Kürzel, integer keys without leading zeros."""
    return _write(tmp_path / "da2024.xlsx", {
        "Vorblatt": [["Daten zum Deutschlandatlas"], ["Stand: 12.12.2024"]],
        "Deutschlandatlas_KRS1222": [
            ["KRS1222", "Kreisname", "kbetr_u3", "preis_miet", "bev_ausl"],
            [1001000, "Flensburg, Stadt", 38.41, "8,50 bis unter 10,00", 18.46],
            [15086000, "Jerichower Land", 63.61, "bis unter 5,50", -9999],
        ],
        "Deutschlandatlas_GEM1222": [
            ["GKZ1222", "Gemeindename", "bev_dicht"],
            [1001000, "Flensburg, Stadt", 1631.41],
            [1053105, "Sachsenwald, gemfr. Gebiet", -9999],
            [9162000, "München", 4788.1],
        ],
        "Deutschlandatlas_VBGEM1219": [
            ["VBG1219", "Gemeindeverbandsname", "oenv"],
            ["01001000", "Flensburg, Stadt", 99.5],
            [10041100, "Saarbrücken", 98.0],
        ],
    })


@pytest.fixture()
def layout2026(tmp_path) -> Path:
    """Edition 22.04.2026: title rows, header in row 4 'Indikatorkürzel: <code>\\n\\n<description>', KRS12224 typo,
    a trailing space in a Kürzel, 'Ende der Tabelle.'."""
    return _write(tmp_path / "da2026.xlsx", {
        "Titel": [["Datentabellen"], ["Stand: 22.04.2026"]],
        "Deutschlandatlas_KRS1224": [
            ["Deutschlandatlas_KRS1224_b: 1 Indikator … Die Tabelle erstreckt sich über 3 Spalten und 3 Zeilen."],
            ["zur Inhaltsübersicht"],
            ["Deutschlandatlas_KRS1224_b: Indikatoren auf Ebene der Kreise"],
            ["KRS12224", "Kreisname",
             "Indikatorkürzel: kbetr_u3\n\nAnteil der betreuten Kinder unter 3 Jahren in Kindertageseinrichtungen/"
             "-tagespflege an der Altersgruppe\nim Jahr 2024 in %",
             "Indikatorkürzel: beschq_w \n\nSozialversicherungspflichtig beschäftigte Frauen … in den Jahren 2021-24"],
            [1001000, "Flensburg, Stadt", 43.26, 57.7],
            [13003000, "Rostock", 73.99, -9999],
            ["Ende der Tabelle."],
        ],
    })


def test_sheet_names_and_header_years():
    assert sheet_gebietsstand("Deutschlandatlas_KRS1224") == ("KRS", "2024-12-31")
    assert sheet_gebietsstand("Deutschlandatlas_VBGEM1219") == ("VBGEM", "2019-12-31")
    assert sheet_gebietsstand("Vorblatt") is None
    assert header_year("Gemittelte Entwicklung der Bevölkerungszahl zwischen 2019 und 2024 pro Jahr in %") == 2024
    assert header_year("Pkw-Fahrzeit zur nächsten Grundschule in den Jahren 2021-24 in Minuten") == 2024
    assert header_year("Bundestagswahlbeteiligung 2025 in Kreisen in %") == 2025
    assert header_year(None) is None


def test_parser_layout_2024(layout2024):
    wb = read_workbook(layout2024, file="da2024.xlsx")
    v = wb.values.set_index(["sheet", "ags", "code"])
    k = v.loc[("Deutschlandatlas_KRS1222", "01001", "kbetr_u3")]
    assert (k["value"], k["level"], k["gebietsstand"]) == (38.41, "kreis", "2022-12-31")
    assert v.loc[("Deutschlandatlas_KRS1222", "15086", "kbetr_u3"), "value"] == 63.61
    # -9999 -> NULL with the project flag, never a number
    miss = v.loc[("Deutschlandatlas_KRS1222", "15086", "bev_ausl")]
    assert pd.isna(miss["value"]) and miss["flag"] == MISSING_FLAG
    gem = v.loc[("Deutschlandatlas_GEM1222", "01001000", "bev_dicht")]
    assert gem["value"] == 1631.41 and gem["level"] == "gemeinde"
    assert pd.isna(v.loc[("Deutschlandatlas_GEM1222", "01053105", "bev_dicht"), "value"])
    # Gemeindeverband: mixed text/int keys, staged as level gemeindeverband
    assert set(wb.values.loc[wb.values["level"] == "gemeindeverband", "ags"]) == {"01001000", "10041100"}
    # class labels are skipped with a note, not read as numbers
    assert "preis_miet" not in set(wb.values["code"])
    assert any("preis_miet" in n and "class labels" in n for n in wb.notes)
    assert wb.classes.set_index("ags").loc["15086", "label"] == "bis unter 5,50"
    assert str(wb.values["ags"].dtype) == "string"
    assert MISSING_FLAG in PROJECT_FLAGS


def test_parser_layout_2026(layout2026):
    wb = read_workbook(layout2026, file="da2026.xlsx")
    v = wb.values.set_index(["ags", "code"])
    assert v.loc[("13003", "kbetr_u3"), "value"] == 73.99
    assert v.loc[("01001", "beschq_w"), "value"] == 57.7  # trailing space of the Kürzel stripped
    assert v.loc[("13003", "beschq_w"), "flag"] == MISSING_FLAG
    cols = wb.columns.set_index("code")
    assert cols.loc["kbetr_u3", "header_year"] == 2024 and cols.loc["beschq_w", "header_year"] == 2024
    assert cols.loc["kbetr_u3", "description"].startswith("Anteil der betreuten Kinder unter 3 Jahren")
    assert len(wb.values) == 4  # "Ende der Tabelle." and the title rows are not data


def test_parser_errors_name_file_sheet_column_value(tmp_path):
    bad_kreis = _write(tmp_path / "bad.xlsx", {"Deutschlandatlas_KRS1222": [
        ["KRS1222", "Kreisname", "alq"], [1001000, "Flensburg", 7.9], [1002001, "Kiel", 7.6]]})
    with pytest.raises(ParseError) as e:
        read_workbook(bad_kreis, file="bad.xlsx")
    msg = str(e.value)
    assert "deutschlandatlas" in msg and "bad.xlsx" in msg and "Deutschlandatlas_KRS1222" in msg
    assert "'01002001'" in msg and "000" in msg and "line 3" in msg
    text = _write(tmp_path / "text.xlsx", {"Deutschlandatlas_GEM1222": [
        ["GKZ1222", "Gemeindename", "bev_dicht"], [1001000, "Flensburg", 1631.4], [1002000, "Kiel", "k. A."]]})
    with pytest.raises(ParseError, match=r"line 3.*column 'bev_dicht'.*'k\. A\.'.*text in a numeric"):
        read_workbook(text, file="text.xlsx")
    all_text = _write(tmp_path / "alltext.xlsx", {"Deutschlandatlas_GEM1222": [
        ["GKZ1222", "Gemeindename", "bev_dicht"], [1001000, "Flensburg", "k. A."]]})
    with pytest.raises(ParseError, match=r"'k\. A\.'.*not a class label"):
        read_workbook(all_text, file="alltext.xlsx")
    wrong_key = _write(tmp_path / "key.xlsx", {"Deutschlandatlas_KRS1224": [
        ["KRS1223", "Kreisname", "alq"], [1001000, "Flensburg", 7.9]]})
    with pytest.raises(ParseError, match="should be 'KRS1224'"):
        read_workbook(wrong_key, file="key.xlsx")


# ---------------------------------------------------------------- real editions
@pytest.fixture(scope="module")
def real():
    return {"2024": read_workbook(ED24 / XLSX, file="2024"), "2026": read_workbook(ED26 / XLSX, file="2026")}


def _val(wb, sheet, ags, code):
    v = wb.values
    row = v[(v["sheet"] == sheet) & (v["ags"] == ags) & (v["code"] == code)]
    assert len(row) == 1, (sheet, ags, code)
    return row.iloc[0]


@pytest.mark.slow
def test_real_values_from_source_md(real):
    k24, k22 = "Deutschlandatlas_KRS1224", "Deutschlandatlas_KRS1222"
    assert _val(real["2026"], k24, "01001", "kbetr_u3")["value"] == 43.26   # Flensburg
    assert _val(real["2026"], k24, "13003", "kbetr_u3")["value"] == 73.99   # Rostock
    assert _val(real["2026"], k24, "09764", "kbetr_u3")["value"] == 17.21   # Memmingen
    assert _val(real["2026"], k24, "05315", "bev_ausl")["value"] == 19.53   # Köln
    assert _val(real["2024"], k22, "01001", "kbetr_u3")["value"] == 38.41   # Flensburg 2022
    assert _val(real["2024"], k22, "15086", "kbetr_u3")["value"] == 63.61   # Jerichower Land 2022
    for wb, sheet in ((real["2024"], k22), (real["2026"], k24)):
        kreise = wb.values[(wb.values["sheet"] == sheet)]["ags"].unique()
        assert len(kreise) == 400 and all(len(a) == 5 for a in kreise)
    gem = real["2026"].values[real["2026"].values["sheet"] == "Deutschlandatlas_GEM1224"]
    assert gem["ags"].nunique() == 10956 and "01001000" in set(gem["ags"])


@pytest.mark.slow
def test_real_gemeinde_values_match_an_independent_read(real):
    """GEM1224 bev_dicht/p_apo read cell by cell with openpyxl (not calamine) for a few Gemeinden."""
    wb = openpyxl.load_workbook(ED26 / XLSX, read_only=True, data_only=True)
    try:
        rows = {}
        for r in wb["Deutschlandatlas_GEM1224"].iter_rows(min_row=5, values_only=True):
            if isinstance(r[0], int) and r[0] in (1001000, 1053105, 9162000, 16055000):
                rows[str(r[0]).zfill(8)] = r
    finally:
        wb.close()
    assert set(rows) == {"01001000", "01053105", "09162000", "16055000"}
    for ags, r in rows.items():
        dicht = _val(real["2026"], "Deutschlandatlas_GEM1224", ags, "bev_dicht")
        if r[2] == -9999:
            assert pd.isna(dicht["value"]) and dicht["flag"] == MISSING_FLAG
        else:
            assert dicht["value"] == pytest.approx(r[2]) and pd.isna(dicht["flag"])
        assert _val(real["2026"], "Deutschlandatlas_GEM1224", ags, "p_apo")["value"] == pytest.approx(r[6])
    assert rows["01001000"][2] == 1697.97
    assert rows["01053105"][2] == -9999  # Sachsenwald, gemeindefreies Gebiet


@pytest.mark.slow
def test_step_ids_and_reference_dates(tmp_settings):
    from etl.snapshots import SnapshotStore
    from etl.step import StepContext
    from etl.steps import deutschlandatlas as step
    entry = load_catalogue()["deutschlandatlas"]
    ctx = StepContext(dataset="deutschlandatlas", settings=get_settings(), store=SnapshotStore(get_settings()),
                      entry=entry)
    out = step.run(ctx)
    obs = out.observations.set_index(["indicator_id", "ags", "reference_date", "source_file"])["value"]
    f24, f26 = "Deutschlandatlas-Daten_2024-12-12.xlsx", "Deutschlandatlas-Daten_2026-04-22.xlsx"
    assert obs[("childcare_quota_u3_da", "01001", "2024-03-01", f26)] == 43.26   # Stichtag 01.03.
    assert obs[("childcare_quota_u3_da", "01001", "2022-03-01", f24)] == 38.41
    assert obs[("foreigners_share", "05315", "2024-12-31", f26)] == 19.53       # continues the id
    assert obs[("unemployment_rate", "01001", "2023-12-31", f24)] == 7.88       # alq 2023
    assert obs[("da_wahl_beteil", "01001", "2025-02-23", f26)] == 79.4          # election day
    assert ("da_bev_binw", "01001", "2022-12-31", f26) in obs.index             # PDF year, not the header's 2024
    assert obs[("da_v_breitb50", "01001000", "2022-06-30", f24)] > 90            # "im Juni 2022"
    assert not out.observations["level"].isin(["gemeindeverband"]).any()
    rest = out.tables["deutschlandatlas_values"]  # only what did not become an observation
    assert set(rest["level"]) == {"gemeindeverband"} and len(rest) == 55302
    assert not set(rest["sheet"] + "/" + rest["code"]) & set(out.observations["source_table"])
    assert len(ctx.warnings) == 3 and all("PDF used" in w for w in ctx.warnings)
    assert out.observations["flag"].dropna().eq("missing").all()


# ---------------------------------------------------------------- catalogue vs the official PDFs
@pytest.fixture(scope="module")
def pdf_entries():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from deutschlandatlas_pdf import entries
    from etl.parsers.deutschlandatlas import pdf_text
    return {"2024-12-12": (entries(str(ED24 / PDF)), pdf_text(ED24 / PDF)),
            "2026-04-22": (entries(str(ED26 / PDF)), pdf_text(ED26 / PDF))}


@pytest.mark.slow
def test_every_indicator_quotes_its_pdf(pdf_entries):
    inds = {k: v for k, v in load_indicators().items() if v["catalogue_file"] == "deutschlandatlas.yml"}
    assert len(inds) == 76
    for iid, spec in inds.items():
        assert spec["role"] in ("pressure", "capacity", "context") and spec["polarity"] in (
            "higher_is_better", "higher_is_worse", "neutral"), iid
        assert spec["pdf_pages"], iid
        for edition, page in spec["pdf_pages"].items():
            text = pdf_entries[edition][1][page - 1]
            assert squash(spec["pdf_quote"]) in squash(text), (iid, edition, page, spec["pdf_quote"])


@pytest.mark.slow
def test_catalogue_reference_years_are_the_pdf_years(pdf_entries):
    documented = {("2026-04-22", "elade")}  # PDF heading 2024, Stichtag 01.10.2025 (see the catalogue comment)
    for item in load_catalogue()["deutschlandatlas"]["files"]:
        ents = pdf_entries[item["published"]][0]
        assert set(item["reference_years"]) == set(ents), item["name"]
        for code, ref in item["reference_years"].items():
            if (item["published"], code) not in documented:
                assert int(str(ref)[:4]) == ents[code]["year"], (item["name"], code)


# ---------------------------------------------------------------- the warehouse
@pytest.mark.slow
def test_warehouse_has_indicators_with_role_and_values(real_warehouse):
    from warehouse.connection import connect_reader
    con = connect_reader(real_warehouse)
    try:
        rows = dict((r[0], r[1:]) for r in con.execute(
            "SELECT indicator_id, role, polarity, differs_from FROM core.dim_indicator").fetchall())
        assert rows["childcare_quota_u3_da"] == ("capacity", "higher_is_better", "childcare_rate_under3")
        assert rows["da_p_grunds"][:2] == ("capacity", "higher_is_worse")
        assert rows["da_bev_ausw"][:2] == ("pressure", "neutral")
        assert rows["foreigners_share"][:2] == ("pressure", "neutral")
        assert rows["population"][:2] == ("context", "neutral")
        assert rows["sgb2_rate"][:2] == ("capacity", "higher_is_worse")
        val = dict(((r[0], r[1]), r[2]) for r in con.execute(
            "SELECT indicator_id, ags, value FROM core.fact_observation WHERE dataset = 'deutschlandatlas' "
            "AND reference_date IN ('2024-03-01', '2024-12-31') AND ags IN ('01001', '13003', '05315')").fetchall())
        assert val[("childcare_quota_u3_da", "13003")] == 73.99
        assert val[("foreigners_share", "05315")] == 19.53
        miss = con.execute("SELECT count(*) FROM core.fact_observation WHERE dataset = 'deutschlandatlas' "
                           "AND flag = 'missing' AND value IS NOT NULL").fetchone()[0]
        assert miss == 0
        assert con.execute("SELECT count(*) FROM core.fact_observation WHERE dataset = 'deutschlandatlas' "
                           "AND flag = 'missing'").fetchone()[0] > 1000
    finally:
        con.close()
