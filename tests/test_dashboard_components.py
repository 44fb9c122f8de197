"""Pure dashboard components: classification, palettes, legend, search, filters, rank, similarity, export, i18n."""
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from dashboard.components import analysis, classify, export, filters, legend, mapfig, palettes, search
from dashboard.i18n import TEXTS, facet_label, fmt_date, fmt_number, t
from dashboard.state import AppState


def test_every_text_has_both_languages():
    for key, pair in TEXTS.items():
        assert len(pair) == 2 and all(isinstance(x, str) and x for x in pair), key


def test_number_and_date_formats():
    assert fmt_number(1234567, "de") == "1.234.567"
    assert fmt_number(1234567, "en") == "1,234,567"
    assert fmt_number(12.345, "de") == "12,3"
    assert fmt_number(None, "de") == "k. A."
    assert fmt_date("2024-12-31", "de") == "31.12.2024"
    assert facet_label("size_class", "grossstadt", "en").startswith("Large city")
    assert facet_label("bbsr_kreistyp", 1.0, "de") == "Kreisfreie Großstädte"


@pytest.mark.parametrize("method", ["quantiles", "fisher_jenks", "equal_interval"])
def test_classify_counts_add_up_and_missing_is_minus_one(method):
    v = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None, 100.0])
    idx, cls = classify.classify(v, method, 4)
    assert idx[10] == -1
    assert sum(cls.counts) == 11
    assert cls.upper == sorted(cls.upper) and cls.upper[-1] == 100.0
    assert idx[11] == cls.k - 1 and idx[0] == 0


def test_classify_caps_k_at_distinct_values():
    idx, cls = classify.classify([0, 0, 0, 5, 5], "quantiles", 7)
    assert cls.k <= 2 and sum(cls.counts) == 5


def test_classify_large_fisher_jenks_is_deterministic_and_fast():
    rng = np.random.default_rng(1)
    v = rng.lognormal(size=11000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, a = classify.classify(v, "fisher_jenks", 6)
        _, b = classify.classify(v, "fisher_jenks", 6)
    assert a.k == 6 and sum(a.counts) == 11000 and a.upper == b.upper


def test_palettes_give_k_distinct_hex_colours():
    for pal in palettes.PALETTES:
        cols = palettes.class_colours(pal, 5)
        assert len(set(cols)) == 5 and all(c.startswith("#") and len(c) == 7 for c in cols)


def test_legend_rows_show_ranges_and_counts():
    _, cls = classify.classify([1, 2, 3, 4, 5, 6], "equal_interval", 3)
    rows = legend.legend_rows(cls, palettes.class_colours("viridis", cls.k), "de", "%")
    assert [r["count"] for r in rows] == cls.counts
    assert rows[0]["label"].endswith("%") and "–" in rows[0]["label"]


REGIONS = pd.DataFrame({
    "ags": ["15002000", "15084550", "11000000", "09162000", "07316000", "03241012"],
    "name": ["Halle (Saale), Stadt", "Neustadt, Stadt", "Berlin, Stadt", "München, Landeshauptstadt",
             "Neustadt an der Weinstraße, Stadt", "Neustadt am Rübenberge, Stadt"],
    "level": ["gemeinde"] * 6,
    "kreis_name": ["Halle (Saale), Stadt", "Burgenlandkreis", "Berlin, Stadt", "München, Landeshauptstadt",
                   "Neustadt an der Weinstraße, Stadt", "Region Hannover"],
    "land_name": ["Sachsen-Anhalt", "Sachsen-Anhalt", "Berlin", "Bayern", "Rheinland-Pfalz", "Niedersachsen"],
    "land_ags": ["15", "15", "11", "09", "07", "03"],
    "kommunaltyp": ["kreisfreie_stadt", "kreisangehoerige_gemeinde", "stadtstaat", "kreisfreie_stadt",
                    "kreisfreie_stadt", "kreisangehoerige_gemeinde"],
    "size_class": ["grossstadt", "kleinstadt", "grossstadt", "grossstadt", "mittelstadt", "mittelstadt"],
    "size_class_fine": ["100k_500k", "5k_20k", "ge500k", "ge500k", "50k_100k", "20k_50k"],
    "east_west": ["east", "east", "berlin", "west", "west", "west"],
    "bbsr_kreistyp": [1, 3, 1, 1, 1, 2],
    "value": [10.0, 5.0, 20.0, 15.0, 7.0, None],
})


@pytest.mark.parametrize("query", ["halle", "Halle (Saale)", "halle saale", "HALLE (S"])
def test_search_finds_halle(query):
    idx = search.build_index(REGIONS)
    assert search.search(idx, query).iloc[0]["ags"] == "15002000"


def test_search_umlauts_and_duplicates():
    idx = search.build_index(REGIONS)
    assert search.search(idx, "munchen").iloc[0]["ags"] == "09162000"
    assert search.search(idx, "muenchen").iloc[0]["ags"] == "09162000"
    hits = search.search(idx, "neustadt")
    assert len(hits) == 3 and hits.iloc[0]["ags"] == "15084550"  # exact short name first
    assert hits["label"].nunique() == 3 and "Burgenlandkreis" in hits.iloc[0]["label"]
    assert "Region Hannover" in hits.iloc[1:]["label"].str.cat()
    assert search.search(idx, "1500").iloc[0]["ags"] == "15002000"


def test_filter_mask_and_berlin_rule():
    st = AppState(ew=("east",), br="east")
    assert filters.mask(REGIONS, st).tolist() == [True, True, True, False, False, False]
    st = AppState(ew=("east",), br="west")
    assert filters.mask(REGIONS, st).tolist() == [True, True, False, False, False, False]
    st = AppState(land=("15", "09"), gr=("grossstadt",))
    assert filters.mask(REGIONS, st).tolist() == [True, False, False, True, False, False]
    st = AppState(kty=("1",), kt=("kreisfreie_stadt",))
    assert filters.mask(REGIONS, st).sum() == 3


def test_peer_rank():
    # Großstadt peers with Berlin counted West: München 15, Berlin 20 -> Berlin rank 1 of 2
    assert analysis.peer_rank(REGIONS, "11000000", "west") == (1, 2)
    assert analysis.peer_rank(REGIONS, "09162000", "west") == (2, 2)
    assert analysis.peer_rank(REGIONS, "15002000", "own") == (1, 1)
    assert analysis.peer_rank(REGIONS, "03241012", "west") is None  # no value, no rank


def test_similar_uses_standardised_distance():
    m = pd.DataFrame({"a": [1.0, 1.1, 5.0, 9.0], "b": [100.0, 101.0, 300.0, 900.0]}, index=["x", "y", "z", "w"])
    res = analysis.similar(m, "x", n=2)
    assert res["ags"].tolist() == ["y", "z"]
    assert analysis.similar(m[["a"]], "x").empty  # fewer than 2 indicators


def test_export_csv_and_xlsx_carry_provenance():
    rows = pd.DataFrame({"ags": ["01001000"], "name": ["Flensburg"], "value": [1.5]})
    meta = {"source": "Destatis", "table_code": "12531", "reference_date": "2024-12-31", "licence": "dl-de/by-2-0"}
    csv = export.to_csv_bytes(rows, meta).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(csv), dtype=str)
    assert back.loc[0, "ags"] == "01001000" and back.loc[0, "licence"] == "dl-de/by-2-0"
    assert back.loc[0, "table_code"] == "12531" and back.loc[0, "reference_date"] == "2024-12-31"
    xl = pd.read_excel(io.BytesIO(export.to_xlsx_bytes(rows, meta)), sheet_name=None, dtype=str)
    assert xl["Daten"].loc[0, "ags"] == "01001000"
    assert "dl-de/by-2-0" in xl["Quelle"]["value"].tolist()


def test_paint_payload_classes_fades_filtered_and_sends_units_once():
    df = REGIONS.assign(flag=None, reference_date="2024-12-31")
    df.loc[df["ags"] == "15002000", "flag"] = "p"
    idx, cls = classify.classify(df["value"], "quantiles", 3)
    m = filters.mask(df, AppState(land=("15",)))
    colours = palettes.class_colours("viridis", cls.k)
    p = mapfig.paint_payload(df, idx, m, colours, "de", "%", "/geo/gemeinde.abc.json", browser_units_key=None,
                             graph="g", click_target="c")
    pos = {a: i for i, a in enumerate(p["ags"])}
    assert p["cls"][pos["03241012"]] == -1                       # Neustadt a. Rbge. has no value → hatched no-data
    assert sorted(c for c in p["cls"] if c >= 0) == sorted(idx[idx >= 0].tolist())
    assert pos["15002000"] not in p["fade"] and pos["09162000"] in p["fade"]   # filtered-out units fade
    assert p["name"][pos["15002000"]] == "Halle (Saale), Stadt" and p["flags"] == {pos["15002000"]: "p"}
    assert p["date"] == "31.12.2024" and p["colours"] == colours and p["geo"] == "/geo/gemeinde.abc.json"
    again = mapfig.paint_payload(df, idx, m, colours, "de", "%", "/geo/gemeinde.abc.json",
                                 browser_units_key=p["units_key"], graph="g", click_target="c")
    assert "ags" not in again and "name" not in again and again["units_key"] == p["units_key"]
    assert len(json.dumps(again)) < len(json.dumps(p))
    english = mapfig.paint_payload(df, idx, m, colours, "en", "%", "/geo/gemeinde.abc.json",
                                   browser_units_key=p["units_key"], graph="g", click_target="c")
    # Kommunaltyp and size class travel as codes into one label list; another language sends the labels again
    assert p["kt_labels"][p["kt"][pos["15002000"]]] == "Kreisfreie Stadt"
    assert english["kt_labels"][english["kt"][pos["15002000"]]] == "District-free city"
    assert len(p["kt_labels"]) == len(set(p["kt_labels"])) < len(p["kt"])
    # the unit travels once; the hover card appends it to the formatted number (not to "no value")
    assert p["unit"] == "%" and mapfig.value_label(p, pos["15002000"]) == p["v"][pos["15002000"]] + " %"
    assert mapfig.value_label(p, pos["03241012"]) == t("missing_value", "de")
    assert t("legend_no_data", "en") == "no data"


def test_dropdowns_speak_the_ui_language():
    from dashboard.components.widgets import dropdown
    de = dropdown("de", id="x", options=[], multi=True)
    en = dropdown("en", id="y", options=[], multi=True)
    assert de.labels["selected_count"] == "{num_selected} ausgewählt"   # Dash fills in the count
    assert de.labels["no_options_found"] == "Keine Treffer"
    assert en.labels["selected_count"] == "{num_selected} selected"


def test_swarm_offsets_stack_ties_apart_within_the_band():
    from dashboard.components.charts import swarm_offsets
    x = np.array([1.0] * 7 + [5.0, 9.0, 9.0])
    off = swarm_offsets(x, n_bins=10, half_width=0.4)
    ties = off[:7]
    assert len(set(np.round(ties, 6))) == 7                  # seven equal values → seven distinct positions
    assert sorted(np.round(ties / ties[ties > 0].min(), 6)) == [-3, -2, -1, 0, 1, 2, 3]   # 0, ±d, ±2d, ±3d
    assert np.abs(off).max() <= 0.4 and off[7] == 0          # a lone value sits on the group line
    big = swarm_offsets(np.random.default_rng(1).normal(size=10_000))
    assert np.abs(big).max() <= 0.42 + 1e-9                  # 10,000 units still fit their band


def test_highlighted_units_get_alternating_labels_in_distribution_charts():
    from plotly.io.json import to_json_plotly

    from dashboard.components.charts import distribution_figure
    df = REGIONS.assign(flag=None)
    for mode in ("box", "swarm"):
        fig = distribution_figure(df, ["east_west"], "own", "de", "%", highlight=["15002000", "15084550"], lands={},
                                  mode=mode)
        hi = [tr for tr in fig["data"] if tr.get("name") == t("highlight", "de")][0]     # a figure dict (figdict.py)
        assert {tr["type"] for tr in fig["data"] if tr is not hi} == {"box" if mode == "box" else "scattergl"}
        assert list(fig["layout"]["yaxis"]["ticktext"]) == ["Berlin", "Ost", "West"]
        assert json.loads(to_json_plotly(hi))["y"] == {"dtype": "f8", "bdata": "AAAAAAAA8D8AAAAAAADwPw=="}  # 1.0, 1.0: Ost
        assert list(hi["text"]) == ["Neustadt, Stadt", "Halle (Saale), Stadt"]       # sorted by value (5 < 10)
        assert list(hi["textposition"]) == ["top center", "bottom center"]


def test_paint_digest_names_what_is_painted_not_whether_units_travel():
    df = REGIONS.assign(flag=None, reference_date="2024-12-31")
    idx, cls = classify.classify(df["value"], "quantiles", 3)
    m = filters.mask(df, AppState())
    colours = palettes.class_colours("viridis", cls.k)
    first = mapfig.paint_payload(df, idx, m, colours, "de", "%", "/geo/gemeinde.abc.json", None, "g", "c")
    again = mapfig.paint_payload(df, idx, m, colours, "de", "%", "/geo/gemeinde.abc.json", first["units_key"], "g", "c")
    assert "ags" in first and "ags" not in again
    assert mapfig.paint_digest(first) == mapfig.paint_digest(again)          # the layout's payload = update_map's
    other = mapfig.paint_payload(df, idx, m, palettes.class_colours("cividis", cls.k), "de", "%",
                                 "/geo/gemeinde.abc.json", first["units_key"], "g", "c")
    assert mapfig.paint_digest(other) != mapfig.paint_digest(first)          # another palette paints again
