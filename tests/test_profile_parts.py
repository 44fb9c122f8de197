"""dashboard.components.profile_parts: territory rule, sparkline with census breaks, peer comparison, sentences."""
from __future__ import annotations

import base64

import pandas as pd

from dashboard.components import profile_parts as pp

GEM = pd.DataFrame({"ags": ["12052000", "12071057", "12071076"], "kreis_ags": ["12052", "12071", "12071"]})


def test_kreisfreie_stadt_has_the_territory_of_its_kreis():
    cottbus = {"ags": "12052000", "kommunaltyp": "kreisfreie_stadt", "kreis_ags": "12052"}
    assert pp.same_territory_kreis(cottbus, "gemeinde", GEM) == "12052"
    assert pp.same_territory_kreis(cottbus, "kreis", GEM) is None
    guben = {"ags": "12071076", "kommunaltyp": "kreisangehoerige_gemeinde", "kreis_ags": "12071"}
    assert pp.same_territory_kreis(guben, "gemeinde", GEM) is None
    # a Kreis with several Gemeinden is never "the same territory", whatever the type says
    odd = {"ags": "12071057", "kommunaltyp": "kreisfreie_stadt", "kreis_ags": "12071"}
    assert pp.same_territory_kreis(odd, "gemeinde", GEM) is None


def test_sparkline_marks_the_census_breaks_the_series_crosses():
    pts = pd.DataFrame({"year": [2009, 2010, 2011, 2012, 2021, 2022, 2023], "value": [5, 6, 4, 5, 7, 6, 8.0]})
    svg = pp.sparkline_svg(pts, "Bevölkerung")
    assert svg.count('class="census-break"') == 2 and 'data-year="2011"' in svg and 'data-year="2022"' in svg
    assert "<title>Bevölkerung</title>" in svg and "<polyline" in svg
    assert pp.census_breaks_in([2015, 2016, 2020]) == [] and pp.census_breaks_in([2011, 2012]) == []
    assert pp.census_breaks_in([2021, 2022]) == [2022]
    uri = pp.svg_data_uri(svg)
    assert base64.b64decode(uri.split(",", 1)[1]).decode("utf-8") == svg
    alt = pp.spark_alt(pts, "Arbeitslosenquote", "de")
    assert alt == "Arbeitslosenquote: 2009 5 … 2023 8 (7 Jahre); Zensus-Bruch 2011, 2022"
    assert pp.spark_alt(pts, "Unemployment rate", "en").endswith("census break 2011, 2022")


def test_yearly_takes_the_latest_stichtag_of_each_year():
    obs = pd.DataFrame({"year": [2015, 2015, 2016], "reference_date": ["2015-06-30", "2015-12-31", "2016-12-31"],
                        "value": [1.0, 2.0, None]})
    assert pp.yearly(obs)[["year", "value"]].values.tolist() == [[2015, 2.0]]


def test_peer_comparison_counts_lower_and_higher_peers():
    vals = pd.DataFrame({"ags": ["a", "b", "c", "d", "e"], "value": [10.0, 5.0, 20.0, 1.0, None],
                         "size_class": ["grossstadt"] * 4 + ["grossstadt"], "size_class_fine": [None] * 5,
                         "east_west": ["west", "west", "west", "east", "west"]})
    c = pp.peer_comparison(vals, "a", "west")
    assert (c["n_peers"], c["n_lower"], c["n_higher"], c["size"], c["ew"]) == (2, 1, 1, "grossstadt", "west")
    assert pp.peer_comparison(vals, "e") is None


def test_every_sentence_names_its_date():
    s = pp.sentence("Leipzig", "Schutzsuchende aus der Ukraine je 1.000 Einwohner", 16.58, "je 1.000 EW",
                    "2024-12-31", "de", {"n_peers": 69, "n_lower": 40, "n_higher": 29}, "Großstadt West")
    assert s == ("Schutzsuchende aus der Ukraine je 1.000 Einwohner in Leipzig am 31.12.2024: 16,6 je 1.000 EW"
                 " – mehr als in 40 von 69 anderen Einheiten der Gruppe Großstadt West.")
    en = pp.sentence("Leipzig", "Unemployment rate", 8.3, "%", "2025-12-31", "en")
    assert en == "Unemployment rate in Leipzig on 2025-12-31: 8.30 %."
    b = pp.booking_sentence("Cottbus", 7720, "2024-12-31", ["Spree-Neiße"], 34.5, "de")
    assert "Am 31.12.2024" in b and "7.720" in b and "Spree-Neiße" in b and "34,5" in b
    assert pp.population_sentence("Cottbus", 97_000, "2024-12-31", "en") == "Cottbus had 97,000 inhabitants on 2024-12-31."
