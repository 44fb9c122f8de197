"""Server-side blocks for AG Grid's infinite row model (dashboard/components/grid.py) and the callback memo."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboard import data
from dashboard.components import grid


@pytest.fixture()
def frame():
    return pd.DataFrame({
        "rank": [1.0, 2.0, 3.0, 4.0, None],
        "name": ["München", "Nürnberg", "Augsburg", "Markt Indersdorf", "Gemeindefreies Gebiet"],
        "value": [1505005.0, 529508.0, 301105.0, 10500.0, None],
        "flag": ["", "", "", "", "-"],
    })


def test_blocks_come_in_the_frames_order_with_the_total(frame):
    rows, n = grid.query(frame, {"startRow": 0, "endRow": 2})
    assert n == 5 and rows["name"].tolist() == ["München", "Nürnberg"]
    rows, n = grid.query(frame, {"startRow": 2, "endRow": 4})
    assert n == 5 and rows["name"].tolist() == ["Augsburg", "Markt Indersdorf"]
    rows, _ = grid.query(frame, {"startRow": 4, "endRow": 100})
    assert rows["name"].tolist() == ["Gemeindefreies Gebiet"]


def test_sort_on_the_server_keeps_missing_values_last(frame):
    rows, _ = grid.query(frame, {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "value", "sort": "asc"}]})
    assert rows["name"].tolist() == ["Markt Indersdorf", "Augsburg", "Nürnberg", "München", "Gemeindefreies Gebiet"]
    rows, _ = grid.query(frame, {"startRow": 0, "endRow": 1, "sortModel": [{"colId": "name", "sort": "desc"}]})
    assert rows["name"].tolist() == ["Nürnberg"]


def test_text_and_number_filters_are_bound_parameters(frame):
    req = {"startRow": 0, "endRow": 10, "filterModel": {"name": {"filterType": "text", "type": "contains",
                                                                 "filter": "mÜn"}}}
    rows, n = grid.query(frame, req)
    assert n == 1 and rows["name"].tolist() == ["München"]                       # case-insensitive
    evil = "x' OR 1=1 --"
    req["filterModel"]["name"]["filter"] = evil
    assert grid.query(frame, req)[1] == 0                                         # taken literally
    gq = grid.GridQuery()
    sql = grid.where_sql({"name": {"filterType": "text", "type": "contains", "filter": evil}}, {"name": False}, gq)
    assert evil not in sql and list(gq.params.values()) == [evil]
    req = {"filterModel": {"value": {"filterType": "number", "type": "inRange", "filter": 600000, "filterTo": 300000}}}
    assert grid.query(frame, req)[0]["name"].tolist() == ["Nürnberg", "Augsburg"]
    req = {"filterModel": {"value": {"filterType": "number", "type": "lessThan", "filter": "20000"}}}
    assert grid.query(frame, req)[0]["name"].tolist() == ["Markt Indersdorf"]
    req = {"filterModel": {"value": {"filterType": "number", "type": "blank"}}}
    assert grid.query(frame, req)[0]["name"].tolist() == ["Gemeindefreies Gebiet"]


def test_combined_conditions_and_unknown_columns_or_operators(frame):
    model = {"name": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "type": "startsWith", "filter": "Augs"},
        {"filterType": "text", "type": "endsWith", "filter": "dorf"}]}}
    assert grid.query(frame, {"filterModel": model})[0]["name"].tolist() == ["Augsburg", "Markt Indersdorf"]
    bad = {"filterModel": {"name; DROP TABLE grid": {"filterType": "text", "type": "contains", "filter": "a"},
                           "flag": {"filterType": "text", "type": "regexp", "filter": ".*"}},
           "sortModel": [{"colId": "value DESC; --", "sort": "asc"}, {"colId": "rank", "sort": "sideways"}]}
    rows, n = grid.query(frame, bad)                  # ignored: not a column / not an operator / asc by default
    assert n == 5 and rows["name"].tolist()[0] == "München"
    assert grid.order_sql(bad["sortModel"], {"rank": True}) == '"rank" ASC NULLS LAST, _pos'


def test_download_query_has_every_row_that_passes():
    big = pd.DataFrame({"name": [f"Ort {i:04d}" for i in range(2500)], "value": [float(i) for i in range(2500)]})
    rows, n = grid.query(big, {"filterModel": {"value": {"filterType": "number", "type": "greaterThanOrEqual",
                                                         "filter": 1000}}}, limit=False)
    assert n == 1500 and len(rows) == 1500 and rows["value"].min() == 1000


def test_grid_texts_follow_the_ui_language():
    assert grid.locale_text("de")["noRowsToShow"] == "Keine Zeilen vorhanden"
    assert grid.locale_text("de")["noMatchingRows"] == "Keine passenden Zeilen"
    assert grid.locale_text("en")["noRowsToShow"] == "No rows to show"


def test_memo_is_per_warehouse_build_and_off_with_the_setting(monkeypatch):
    calls = []
    ident = [("wh", 1)]
    monkeypatch.setattr(data, "_ident", lambda: ident[0])

    @data.memo(maxsize=4)
    def f(x):
        calls.append(x)
        return x * 2

    monkeypatch.setenv("IA_CALLBACK_CACHE", "1")
    assert f(2) == 4 and f(2) == 4 and calls == [2]
    ident[0] = ("wh", 2)                              # rebuilt warehouse file → recomputed
    assert f(2) == 4 and calls == [2, 2]
    monkeypatch.setenv("IA_CALLBACK_CACHE", "0")
    assert f(2) == 4 and f(2) == 4 and calls == [2, 2, 2, 2]
    monkeypatch.setenv("IA_CALLBACK_CACHE", "1")
    for i in range(6):                                # bounded
        f(10 + i)
    assert f.cache_len() == 4


def test_memo_callback_keys_on_the_json_of_the_arguments(monkeypatch):
    monkeypatch.setattr(data, "_ident", lambda: ("wh", 1))
    monkeypatch.setenv("IA_CALLBACK_CACHE", "1")
    calls = []

    @data.memo_callback()
    def cb(values, search):
        calls.append(1)
        return {"n": len(values), "search": search}

    assert cb(["09", "05"], "?a=1") == {"n": 2, "search": "?a=1"}
    assert cb(["09", "05"], "?a=1")["n"] == 2 and len(calls) == 1
    assert cb(["09"], "?a=1")["n"] == 1 and len(calls) == 2
