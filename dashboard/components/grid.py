"""AG Grid helpers: server-side blocks for the infinite row model, and the grid's own texts in DE/EN.

The infinite row model (`rowModelType="infinite"`) asks the server for one block of rows at a time
(`getRowsRequest`: startRow, endRow, sortModel, filterModel). `query()` answers it from a DataFrame with DuckDB
SQL: column names come only from the frame's own columns (a whitelist), sort directions only from asc/desc, filter
operators only from the fixed tables below, and every value the user typed is a bound parameter ($p0, $p1, …),
never formatted into the SQL text.
"""
from __future__ import annotations

import threading

import duckdb
import pandas as pd
import pyarrow as pa

_BASE: duckdb.DuckDBPyConnection | None = None      # one in-memory database; each query on its own cursor
_BASE_LOCK = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            _BASE = duckdb.connect(":memory:", config={"enable_external_access": False, "threads": 1})
        return _BASE.cursor()

TEXT_OPS = {  # AG Grid text filter type → SQL over lower(coalesce(col, '')) and lower($p)
    "contains": "contains({c}, {p})", "notContains": "NOT contains({c}, {p})", "equals": "{c} = {p}",
    "notEqual": "{c} <> {p}", "startsWith": "starts_with({c}, {p})", "endsWith": "suffix({c}, {p})",
}
NUMBER_OPS = {"equals": "=", "notEqual": "<>", "lessThan": "<", "lessThanOrEqual": "<=", "greaterThan": ">",
              "greaterThanOrEqual": ">="}


class GridQuery:
    """Parameters of one SQL statement: names $p0, $p1, … in the order they are added."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return "$" + name


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _condition(col: str, numeric: bool, cond: dict, gq: GridQuery) -> str | None:
    kind = cond.get("type")
    c = _quote(col)
    if kind == "blank":
        return f"({c} IS NULL" + ("" if numeric else f" OR CAST({c} AS VARCHAR) = ''") + ")"
    if kind == "notBlank":
        return f"({c} IS NOT NULL" + ("" if numeric else f" AND CAST({c} AS VARCHAR) <> ''") + ")"
    if numeric:
        try:
            value = float(cond.get("filter"))
        except (TypeError, ValueError):
            return None
        if kind == "inRange":
            try:
                upper = float(cond.get("filterTo"))
            except (TypeError, ValueError):
                return None
            return f"({c} BETWEEN {gq.bind(min(value, upper))} AND {gq.bind(max(value, upper))})"
        op = NUMBER_OPS.get(kind)
        return f"({c} {op} {gq.bind(value)})" if op else None
    tmpl = TEXT_OPS.get(kind)
    if tmpl is None or cond.get("filter") is None:
        return None
    return "(" + tmpl.format(c=f"lower(coalesce(CAST({c} AS VARCHAR), ''))",
                             p=f"lower({gq.bind(str(cond['filter']))})") + ")"


def where_sql(filter_model: dict | None, columns: dict[str, bool], gq: GridQuery) -> str:
    """AG Grid filterModel → SQL condition. `columns`: name → numeric?; unknown columns and operators are ignored."""
    parts = []
    for col, model in (filter_model or {}).items():
        if col not in columns or not isinstance(model, dict):
            continue
        numeric = columns[col]
        conds = model.get("conditions") if isinstance(model.get("conditions"), list) else [model]
        sqls = [s for s in (_condition(col, numeric, x, gq) for x in conds if isinstance(x, dict)) if s]
        if sqls:
            joiner = " OR " if str(model.get("operator", "AND")).upper() == "OR" else " AND "
            parts.append("(" + joiner.join(sqls) + ")")
    return " AND ".join(parts) if parts else "true"


def order_sql(sort_model: list | None, columns: dict[str, bool]) -> str:
    keys = []
    for s in sort_model or []:
        if isinstance(s, dict) and s.get("colId") in columns:
            direction = "DESC" if s.get("sort") == "desc" else "ASC"
            keys.append(f"{_quote(s['colId'])} {direction} NULLS LAST")
    return ", ".join(keys + ["_pos"])


class GridSource:
    """A frame prepared for block queries: an Arrow table (DuckDB scans it without copying) with a position column
    for the frame's own order, and which columns are numeric (number filters) — the column whitelist."""

    def __init__(self, frame: pd.DataFrame):
        self.columns = {c: bool(pd.api.types.is_numeric_dtype(frame[c])) for c in frame.columns}
        self.table = pa.Table.from_pandas(frame.assign(_pos=range(len(frame))), preserve_index=False)
        self.n = len(frame)


def query(source: GridSource | pd.DataFrame, request: dict | None, limit: bool = True) -> tuple[pd.DataFrame, int]:
    """Rows [startRow, endRow) after the request's filter and sort, and the number of rows that pass the filter.
    `limit=False`: every row that passes (downloads). The frame's own order breaks ties."""
    if isinstance(source, pd.DataFrame):
        source = GridSource(source)
    request = request or {}
    columns = source.columns
    gq = GridQuery()
    where = where_sql(request.get("filterModel"), columns, gq)
    order = order_sql(request.get("sortModel"), columns)
    start = max(int(request.get("startRow") or 0), 0)
    end = max(int(request.get("endRow") or start + 100), start)
    con = _cursor()     # connect() costs 50-150 ms; a cursor of the shared in-memory database ~0 ms
    try:
        con.register("grid", source.table)
        n = source.n if where == "true" else con.execute(f"SELECT count(*) FROM grid WHERE {where}",
                                                          gq.params).fetchone()[0]
        sql = f"SELECT * EXCLUDE (_pos) FROM grid WHERE {where} ORDER BY {order}"
        if limit:
            sql += f" LIMIT {gq.bind(end - start)} OFFSET {gq.bind(start)}"
        rows = con.execute(sql, gq.params).df()
    finally:
        con.close()
    return rows, int(n)


def records(df: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN/NA → None."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


LOCALE_DE = {     # every text of AG Grid Community's overlays, filter menus, pagination and ARIA labels used here
    "noRowsToShow": "Keine Zeilen vorhanden", "noMatchingRows": "Keine passenden Zeilen", "loadingOoo": "Wird geladen …",
    "loadingError": "Fehler beim Laden", "exportingOoo": "Wird exportiert …",
    "page": "Seite", "of": "von", "to": "bis", "more": "mehr", "next": "Weiter", "last": "Letzte", "first": "Erste",
    "previous": "Zurück", "firstPage": "Erste Seite", "lastPage": "Letzte Seite", "nextPage": "Nächste Seite",
    "previousPage": "Vorherige Seite", "pageSizeSelectorLabel": "Zeilen pro Seite:", "ariaPageSizeSelectorLabel": "Zeilen pro Seite",
    "filterOoo": "Filtern …", "selectAll": "Alle auswählen", "searchOoo": "Suchen …", "blanks": "(Leer)",
    "applyFilter": "Anwenden", "resetFilter": "Zurücksetzen", "clearFilter": "Leeren", "cancelFilter": "Abbrechen",
    "textFilter": "Textfilter", "numberFilter": "Zahlenfilter", "bigintFilter": "Zahlenfilter", "dateFilter": "Datumsfilter",
    "setFilter": "Auswahlfilter", "empty": "Bitte wählen …", "equals": "gleich", "notEqual": "ungleich",
    "lessThan": "kleiner als", "greaterThan": "größer als", "lessThanOrEqual": "kleiner oder gleich",
    "greaterThanOrEqual": "größer oder gleich", "inRange": "zwischen", "inRangeStart": "von", "inRangeEnd": "bis",
    "contains": "enthält", "notContains": "enthält nicht", "startsWith": "beginnt mit", "endsWith": "endet mit",
    "blank": "leer", "notBlank": "nicht leer", "before": "vor", "after": "nach", "andCondition": "UND",
    "orCondition": "ODER", "dateFormatOoo": "tt.mm.jjjj", "invalidNumber": "Ungültige Zahl", "invalidDate": "Ungültiges Datum",
    "sortAscending": "Aufsteigend sortieren", "sortDescending": "Absteigend sortieren", "sortUnSort": "Sortierung entfernen",
    "pinColumn": "Spalte anheften", "autosizeThisColumn": "Spaltenbreite anpassen", "resetColumns": "Spalten zurücksetzen",
    "ariaFilterInput": "Filtereingabe", "ariaFilteringOperator": "Filteroperator", "ariaFilterValue": "Filterwert",
    "ariaFilterFromValue": "Filter ab Wert", "ariaFilterToValue": "Filter bis Wert", "ariaDateFilterInput": "Datumsfilter",
    "ariaColumnFiltered": "Spalte gefiltert", "ariaFilterColumn": "Strg+Eingabe öffnet den Filter",
    "ariaFilterMenuOpen": "Filtermenü öffnen", "ariaLabelColumnFilter": "Spaltenfilter", "ariaLabelColumnMenu": "Spaltenmenü",
    "ariaMenuColumn": "Alt+Pfeil nach unten öffnet das Spaltenmenü", "ariaSortableColumn": "Eingabe sortiert",
    "ariaSkeletonCellLoading": "Zeile wird geladen", "ariaSkeletonCellLoadingFailed": "Zeile konnte nicht geladen werden",
    "ariaChecked": "ausgewählt", "ariaUnchecked": "nicht ausgewählt", "ariaLabelTooltip": "Tooltip",
}
LOCALE_EN = {"noRowsToShow": "No rows to show", "noMatchingRows": "No matching rows", "loadingOoo": "Loading …",
             "loadingError": "Error while loading"}     # AG Grid's own English for everything else


def locale_text(lang: str) -> dict:
    """AG Grid's own texts (empty table, loading, filter menu) in the UI language."""
    return dict(LOCALE_DE if lang == "de" else LOCALE_EN)


def options(lang: str, **opts) -> dict:
    """`dashGridOptions` for every AG Grid of the app: the grid's own options plus its texts in the UI language
    (tests/test_page_inputs.py checks that every grid of every page has them)."""
    return {**opts, "localeText": locale_text(lang)}
