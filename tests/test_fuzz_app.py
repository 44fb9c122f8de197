"""Bad input (issue 11): property-based fuzzing of the URL state and of the callback inputs of the real app.

Hypothesis draws URL paths and query strings (valid values from the warehouse's catalogue, boundary values,
garbage, unicode, very long strings, SQL injection payloads, NUL bytes, path traversal) and callback inputs
(search boxes, the compare selection, every main page callback's controls) and sends them the way a browser
does: POST /_dash-update-component through the Flask test client of dashboard.app:server, plus GET on the
JSON endpoints. Every answer must be 200/204 (400/404 for the JSON endpoints), no traceback or internal error
text in any body, no exception logged for values a control can really hold, and every replaced URL parameter
is named in a visible notice (DE/EN). Afterwards the warehouse copy the app read is byte-for-byte unchanged
and its connection refuses writes.

States per run: IA_FUZZ_SCALE multiplies every max_examples (default 1 → 3,050 states: 2,000 URL states parsed,
300 URLs rendered by the router, 300 search-box texts, 300 page-callback calls, 150 × 5 JSON requests); the
`slow` variant runs 10× as many and also draws the lens at Gemeinde level. Derandomized: CI and a laptop draw the same examples.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.settings import get_settings

SCALE = float(os.environ.get("IA_FUZZ_SCALE", "1"))
TRACE = os.environ.get("IA_FUZZ_TRACE") == "1"          # print each request's time (finding slow callbacks)
HEAVY = False      # the slow variant also draws the lens at Gemeinde level (~20 uncached indicators per card)
SQL = ["'; DROP TABLE core.fact_observation; --", "1 OR 1=1", "' OR '1'='1", "1; DELETE FROM core.dim_region",
       "x' UNION SELECT ags FROM core.dim_region --", "$level", "?", "read_csv('/etc/passwd')",
       "COPY core.fact_observation TO '/tmp/ia-pwned.csv'", "ATTACH '/tmp/ia-pwned.duckdb' AS p",
       "population'); DROP TABLE core.dim_indicator; --", "1)) OR ((1=1", "0x7fffffff", "\\", "\"", "`"]
GARBAGE = ["%00", "\x00", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/passwd%00.json",
           "<script>alert(1)</script>", "javascript:alert(1)", "{{7*7}}", "${7*7}", "\u202egnp.exe", "\ufeff",
           "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Ünïcödé ß", "-1", "0", "1e309", "NaN", "Infinity", "-0", "99999999999999999999999", " ",
           ",", ",,,", "a" * 5000, "9" * 400, "%", "%zz", "&&&", "=", "null", "None", "[]", "{}", "true"]
PARAMS = ("lang", "ind", "year", "level", "land", "kt", "gk", "gr", "ew", "br", "kty", "cls", "k", "pal", "sel",
          "by", "x", "y", "col", "dist", "sim", "ll", "px", "cx", "bx", "bc", "bp", "pf", "cw", "cz", "cg", "sl",
          "tab", "embed")
SAMPLE_AGS = ("15002000", "09162000", "15002", "09162", "15", "01", "16")    # Halle, München, their Kreise, Länder
GENERIC_ERROR = ("Diese Ansicht konnte nicht berechnet werden", "This view could not be computed",
                 "Interner Fehler", "internal error")
LEAKS = ("Traceback", 'File "/', "duckdb.", "Exception:", "Error:", "/work/", "site-packages")
CAT: dict = {}       # filled by the `app` fixture: the catalogue the strategies draw valid values from


def _examples(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])


class _Errors(logging.Handler):
    """ERROR records of the app (the guard and the router log every exception they swallow)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _digest(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fingerprint(wh) -> tuple:
    df = wh.sql("SELECT count(*) AS n, sum(hash(ags, level, indicator_id, reference_date, value, flag)) AS h "
                "FROM core.fact_observation")
    tables = wh.sql("SELECT count(*) AS n FROM information_schema.tables")
    return int(df["n"].iloc[0]), int(df["h"].iloc[0]), int(tables["n"].iloc[0])


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The real app on a private copy of the warehouse (IA_WAREHOUSE), without the background warm-up."""
    src = get_settings().warehouse
    if not src.exists():
        pytest.skip(f"warehouse {src} missing: build it first with `integrationsatlas etl run`")
    copy = tmp_path_factory.mktemp("fuzz") / "warehouse.duckdb"
    shutil.copy2(src, copy)
    old = os.environ.get("IA_WAREHOUSE")
    os.environ["IA_WAREHOUSE"] = str(copy)
    from dashboard import data
    ready = data.warehouse_ready
    data.warehouse_ready = lambda: False          # the import-time warm-up thread finds no warehouse and ends
    try:
        from dashboard.app import server
        for t in threading.enumerate():
            if t.name == "dashboard-warm-up":
                t.join()
    finally:
        data.warehouse_ready = ready
    from dashboard.i18n import t as tr
    from warehouse import queries as q
    cat = data.catalogue()
    assert cat.available and cat.lands, "empty catalogue"
    inds = sorted(cat.available)
    years = sorted({y for a in cat.available.values() for ys in a.values() for y in ys})
    CAT.update(inds=inds, years=years, lands=list(cat.lands), cat=cat, tr=tr)
    wh = q.get_warehouse()
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    before = (_digest(copy), _fingerprint(wh))
    client = server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    yield {"client": client, "deps": deps, "errors": errors, "wh": wh, "path": copy, "before": before, "cat": cat}
    logging.getLogger().removeHandler(errors)
    if old is None:
        os.environ.pop("IA_WAREHOUSE", None)
    else:
        os.environ["IA_WAREHOUSE"] = old


# -- strategies -----------------------------------------------------------------------------------

_bad = st.one_of(st.sampled_from(SQL + GARBAGE), st.text(max_size=40),
                 st.tuples(st.sampled_from(["a", "ä", "'", "%", "0", ",", "𝔘", "\x00"]), st.integers(200, 6000))
                 .map(lambda t: t[0] * t[1]),                                            # very long strings
                 st.integers(-10**30, 10**30).map(str), st.floats(allow_nan=True).map(str))
_ind = st.deferred(lambda: st.sampled_from(CAT["inds"]))
_year = st.deferred(lambda: st.sampled_from(CAT["years"] + [CAT["years"][0] - 1, CAT["years"][-1] + 1]).map(str))
_land = st.deferred(lambda: st.sampled_from(CAT["lands"] + ["00", "17", "99"]))
_ags = st.one_of(st.sampled_from(SAMPLE_AGS), st.from_regex(r"\A[0-9]{2}([0-9]{3}([0-9]{3})?)?\Z"))


def _listed(values, max_size=10):
    return st.lists(st.one_of(values, _bad), max_size=max_size).map(",".join)


VALID = {
    "lang": st.sampled_from(["de", "en"]), "ind": _ind, "x": _ind, "y": _ind, "px": _ind, "cx": _ind,
    "year": _year, "level": st.sampled_from(["gemeinde", "kreis", "land", "bund"]),
    "land": _listed(_land), "kt": _listed(st.sampled_from(["kreisfreie_stadt", "landkreis", "stadtstaat"])),
    "gk": st.sampled_from(["bbsr", "fine"]), "gr": _listed(st.sampled_from(["grossstadt", "landgemeinde", "ge500k"])),
    "ew": _listed(st.sampled_from(["west", "east", "berlin"])), "br": st.sampled_from(["west", "east", "own"]),
    "kty": _listed(st.sampled_from(["1", "2", "3", "4", "5"])), "k": st.integers(0, 12).map(str),
    "cls": st.sampled_from(["quantiles", "fisher_jenks", "equal_interval"]),
    "pal": st.sampled_from(["viridis", "cividis", "bupu", "puor", "brbg"]), "sel": _listed(_ags, 12),
    "by": _listed(st.sampled_from(["size_class", "east_west", "land", "kommunaltyp"]), 3),
    "col": st.sampled_from(["east_west", "land"]), "dist": st.sampled_from(["box", "swarm"]),
    "sim": _listed(_ind, 4), "ll": st.sampled_from(["kreis", "gemeinde", "land"]),
    "bx": st.sampled_from(["1,2", "-3.5,7", "1,2,3", "a,b"]), "bc": st.sampled_from(["0.1,0.2", "x"]),
    "bp": st.sampled_from(["puor", "gnbu"]), "pf": st.sampled_from(["", "land", "east_west"]),
    "cw": _listed(st.tuples(_ind, st.sampled_from(["1", "0.5", "2", "-1", "x"]), st.sampled_from(["", ":+", ":-"]))
                  .map(lambda t: f"{t[0]}:{t[1]}{t[2]}"), 9),
    "cz": st.sampled_from(["z", "pct"]), "cg": st.sampled_from(["", "size_class"]), "sl": _land,
    "tab": st.sampled_from(["", "chart", "map", "table"]), "embed": st.sampled_from(["1", "0"]),
}


@st.composite
def queries(draw):
    """A query string: some parameters with valid, boundary or bad values, sometimes raw (undecoded) bytes."""
    names = draw(st.lists(st.sampled_from(PARAMS + ("zzz", "'; --", "ind[]")), max_size=8, unique=True))
    pairs = []
    for name in names:
        v = draw(st.one_of(VALID.get(name, _bad), _bad) if draw(st.booleans()) else VALID.get(name, _bad))
        pairs.append((name, v))
    q = urlencode(pairs, safe=",:")
    if draw(st.integers(0, 9)) == 0:                      # raw junk appended as typed into the address bar
        q += "&" + draw(st.sampled_from(["ind=%00", "year=%zz", "%%%", "lang=en&lang=de", "sel=" + "0" * 9000,
                                          "ind='%20OR%201=1--", "&&", "=x"]))
    return ("?" + q) if q else ""


PATHS = st.one_of(
    st.sampled_from(["/", "/vergleich", "/kapazitaet", "/tabelle", "/daten", "/status", "/profil", "/vergleich/",
                     "", None]),
    st.sampled_from(["/gemeinde/", "/kreis/", "/land/"]).flatmap(
        lambda p: st.one_of(st.from_regex(r"\A9[0-9]{1,7}\Z"), st.sampled_from(SQL + GARBAGE)).map(
            lambda a: p + quote(a, safe=""))),                 # unknown units and injection in the path
    st.sampled_from(["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/_dash-layout", "/assets/../app.py",
                     "/x" * 300, "/gemeinde/15002000/../../..", "/ä", "/\x00"]),
    st.text(max_size=60).map(lambda s: "/" + s),
)


# -- helpers --------------------------------------------------------------------------------------

def _outs(dep: dict) -> list[dict]:
    spec = dep["output"]
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    out = []
    for p in parts:
        p = p.split("@")[0]
        cid, prop = p.rsplit(".", 1)
        out.append({"id": json.loads(cid) if cid.startswith("{") else cid, "property": prop})
    return out


def _dep(app, output_prefix: str) -> dict:
    hits = [d for d in app["deps"] if d["output"].startswith(output_prefix) and not d.get("clientside_function")]
    assert len(hits) == 1, (output_prefix, [d["output"][:60] for d in hits])
    return hits[0]


def _body(dep: dict, values: dict) -> dict:
    def fill(items):
        out = []
        for i in items:
            if i["id"].startswith("{"):          # a wildcard (ALL) input: the matching components, here none
                out.append([])
            else:
                out.append({"id": i["id"], "property": i["property"], "value": values.get((i["id"], i["property"]))})
        return out
    inputs = fill(dep["inputs"])
    return {"output": dep["output"], "outputs": _outs(dep) if len(_outs(dep)) > 1 else _outs(dep)[0],
            "inputs": inputs, "state": fill(dep["state"]),
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs if isinstance(i, dict)][:1]}


def _post(app, dep: dict, values: dict):
    t0 = time.perf_counter()
    r = app["client"].post("/_dash-update-component", json=_body(dep, values))
    text = r.get_data(as_text=True)
    if TRACE:
        print(f"{time.perf_counter() - t0:6.2f}s {r.status_code} {dep['output'][:70]}", flush=True)
    assert r.status_code in (200, 204), (r.status_code, text[:500], values)
    for leak in LEAKS[:2]:
        assert leak not in text, (leak, text[:500])
    return r, text


def _no_errors_since(app, n0: int, what) -> None:
    new = app["errors"].records[n0:]
    assert not new, (what, [r.getMessage() + " " + str(r.exc_info[1] if r.exc_info else "") for r in new][:3])


def _words(node) -> str:
    """Every string of a Dash component tree (JSON) joined: what the user reads."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return " ".join(_words(n) for n in node)
    if isinstance(node, dict):
        return " ".join(_words(v) for v in node.values())
    return ""


# -- tests ----------------------------------------------------------------------------------------

def test_url_state_parse_is_total_valid_and_round_trips(app):
    """state.parse on 2,000 drawn query strings: never raises, every field valid, notices name the bad
    parameters, and the serialised state parses back to itself without a notice."""
    from dashboard import state as S
    cat = app["cat"]

    @_examples(2000)
    @given(queries())
    def check(q):
        stt, notices = S.parse(q, cat)
        assert stt.lang in ("de", "en") and stt.level in S.LEVELS and S.K_MIN <= stt.k <= S.K_MAX
        assert stt.ind in cat.available and (stt.year is None or stt.year in cat.available[stt.ind][stt.level])
        assert set(stt.land) <= set(cat.lands) and len(stt.sel) <= S.MAX_SELECTION
        assert all(S._AGS.match(a) for a in stt.sel) and stt.cls in S.CLASSIFICATIONS and stt.pal in S.PALETTES
        assert all(n.partition("=")[0] in S.AppState.__dataclass_fields__ for n in notices), notices
        again, more = S.parse(S.serialise(stt, cat), cat)
        assert again == stt and more == [], (q, more)
    check()


def test_router_renders_every_drawn_url_with_a_notice_instead_of_an_error(app):
    """The router callback (what a pasted URL does) on drawn paths × query strings: 200, a page, no trace,
    nothing logged; a notice in the URL's language whenever a parameter was replaced or the page is unknown."""
    from dashboard import state as S
    from dashboard.i18n import TEXTS
    dep = _dep(app, "..nav.children")
    tr, cat = CAT["tr"], app["cat"]

    @_examples(300)
    @given(PATHS, queries())
    def check(path, q):
        n0 = len(app["errors"].records)
        r, text = _post(app, dep, {("url", "pathname"): path, ("url", "search"): q, ("route-store", "data"): None})
        resp = r.get_json()["response"]
        page = json.dumps(resp["page-content"]["children"], ensure_ascii=False)
        assert len(page) > 200 and not any(g in page for g in GENERIC_ERROR), (path, q, page[:300])
        _no_errors_since(app, n0, (path, q))
        _, bad = S.parse(q, cat)
        page_name, _ = S.route(path)
        notice = resp["notice"]["children"]
        lang = "en" if S.parse(q, cat)[0].lang == "en" else "de"
        if bad or page_name == "notfound":
            words = _words(notice)
            assert notice and tr("notice", lang) in words, (path, q, bad, words[:300])
            if page_name == "notfound":
                assert tr("page_not_found", lang) in words
            for b in bad:
                name = b.partition("=")[0]
                assert (tr(f"param_{name}", lang) if f"param_{name}" in TEXTS else name) in words, (b, words)
        else:
            assert notice is None, (path, q, notice)
    check()


def test_search_boxes_and_compare_selection_take_any_text(app):
    """Autocomplete of the map, profile, compare and lens search boxes (search_value) with drawn text, and the
    compare selection's chosen values: options come back (or no update), nothing is logged."""
    deps = [_dep(app, f"{cid}.options") for cid in ("map-search", "pro-search", "cmp-selection", "lens-sel")]

    @_examples(300)
    @given(st.sampled_from(deps), st.one_of(_bad, st.sampled_from(["halle", "Halle (S", "münchen", "muenchen",
                                                                    "09", "15002", "ne", "bad dürkheim"])),
           st.one_of(st.none(), st.lists(_ags, max_size=9), _ags))
    def check(dep, text, chosen):
        cid = dep["inputs"][0]["id"]
        n0 = len(app["errors"].records)
        value = chosen if cid in ("cmp-selection", "lens-sel") else (chosen if isinstance(chosen, str) else None)
        r, _ = _post(app, dep, {(cid, "search_value"): text, (cid, "value"): value})
        if r.status_code == 200:
            opts = r.get_json()["response"][cid]["options"]
            assert all(isinstance(o["label"], str) and isinstance(o["value"], str) for o in opts)
            for ags in ([value] if isinstance(value, str) else value or []):
                assert ags in {o["value"] for o in opts}          # a chosen place stays selectable
        _no_errors_since(app, n0, (cid, text, chosen))
    check()


CONTROL_VALUES = {       # what the page controls can hold, plus the bad values a crafted request may send
    "ctl-indicator": _ind, "ctl-level": st.sampled_from(["gemeinde", "kreis", "land"]),
    "ctl-year": st.deferred(lambda: st.sampled_from(CAT["years"])), "map-classification": VALID["cls"],
    "map-k": st.integers(3, 9), "map-palette": VALID["pal"],
    "f-land": st.lists(_land, max_size=3), "f-kommunaltyp": st.lists(st.sampled_from(["landkreis", "stadtstaat"])),
    "f-size-scheme": VALID["gk"], "f-size": st.lists(st.sampled_from(["grossstadt", "landgemeinde"]), max_size=2),
    "f-east-west": st.lists(st.sampled_from(["west", "east"]), max_size=2), "f-berlin-rule": VALID["br"],
    "f-kreistyp": st.lists(st.sampled_from(["1", "2", "3", "4"]), max_size=2),
    "cmp-by": st.lists(st.sampled_from(["size_class", "east_west", "land"]), max_size=2, unique=True),
    "cmp-selection": st.lists(_ags, max_size=8), "cmp-x": _ind, "cmp-y": _ind, "cmp-colour": VALID["col"],
    "cmp-dist-mode": VALID["dist"], "lens-level": st.sampled_from(["kreis", "gemeinde"]), "lens-pressure": _ind,
    "lens-capacity": _ind, "lens-sel": st.lists(_ags, max_size=8), "lens-breaks-x": VALID["bx"],
    "lens-breaks-y": VALID["bx"], "lens-bv-palette": VALID["bp"], "lens-peer": VALID["pf"],
    "lens-std": VALID["cz"], "lens-std-group": VALID["cg"], "lens-share-land": _land,
    "lens-colour": VALID["col"], "pro-similar-indicators": st.lists(_ind, max_size=3),
    # the profile page always fills its unit store (profil.build)
    "pro-unit": st.sampled_from([{"ags": "15002000", "level": "gemeinde"}, {"ags": "15002", "level": "kreis"},
                                 {"ags": "15", "level": "land"}]),
}
GRID_COLUMNS = ("rank", "ags", "name", "land", "kommunaltyp", "size_class", "population_2024", "value", "flag",
                "reference_date", "table_code", 'name"; DROP TABLE grid; --', "_pos", "*")
_filter_text = st.one_of(_bad, st.sampled_from(["Halle", "berlin", "15", "ä", "%", "_", "'", "0.5"]))
_condition = st.one_of(
    st.fixed_dictionaries({"filterType": st.just("text"), "type": st.sampled_from(
        ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank", "notBlank"]),
        "filter": _filter_text}),
    st.fixed_dictionaries({"filterType": st.just("number"), "type": st.sampled_from(
        ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank"]),
        "filter": st.floats(-1e12, 1e12, allow_nan=False), "filterTo": st.floats(-1e12, 1e12, allow_nan=False)}))
GRID_REQUEST = st.fixed_dictionaries({        # AG Grid infinite row model: what the table's own filters send
    "startRow": st.integers(0, 12000), "endRow": st.integers(0, 12100),
    "sortModel": st.lists(st.fixed_dictionaries({"colId": st.sampled_from(GRID_COLUMNS),
                                                 "sort": st.sampled_from(["asc", "desc"])}), max_size=2),
    "filterModel": st.dictionaries(st.sampled_from(GRID_COLUMNS), st.one_of(
        _condition, st.fixed_dictionaries({"filterType": st.just("text"), "operator": st.sampled_from(["AND", "OR"]),
                                           "conditions": st.lists(_condition, max_size=2)})), max_size=3),
}).map(lambda r: {**r, "endRow": max(r["endRow"], r["startRow"])})
PROPS = {"getRowsRequest": GRID_REQUEST, "n_clicks": st.integers(0, 3), "n_intervals": st.integers(0, 5),
         "search_value": _filter_text}
# own tests: router, URL writer, steward actions; `_pages_*` is Dash's page router, which this app's layout does not
# contain (app.py routes itself): Dash answers a crafted POST to it with its own 500
SKIP = ("nav.children", "url.pathname", "status-action-result", "_pages_")
# stores only the app itself writes whose crafted values may still reach code that assumes their shape: none left
# (the map's payload metadata is checked with callbacks_util.expect in update_map and update_pair)
UNCHECKED: set[tuple[str, str]] = set()


def _control(cid: str, prop: str):
    if prop in PROPS:
        return PROPS[prop]
    if prop not in ("value", "data"):
        return None
    if cid == "lens-level":
        return st.sampled_from(["kreis", "gemeinde"]) if HEAVY else st.just("kreis")
    head, _, rest = cid.partition("-")
    base = rest if head in ("karte", "tabelle", "vergleich", "profil", "daten", "kapazitaet") else cid
    return CONTROL_VALUES.get(base)


def test_page_callbacks_take_drawn_control_values(app):
    """Every server callback of every page (map colours, table blocks with the grid's filter and sort text,
    compare charts with the selection, lens quadrant and place card, coverage grid, dependent options, downloads,
    URL sync) with drawn control values and a drawn URL. Values a control can hold, any text typed into a
    filter: 200/204 and nothing logged. Crafted values no control can hold (SQL as an indicator id, wrong
    types): still 200/204 without a trace and no ERROR logged either — the state rules reject them before any
    query (one WARNING, the `input_rejected` notice); only crafted values of the UNCHECKED stores may still be
    logged by the guard with their trace."""
    deps = [d for d in app["deps"] if not d.get("clientside_function") and not any(k in d["output"] for k in SKIP)]
    assert len(deps) >= 40, len(deps)

    @_examples(300)
    @given(st.sampled_from(deps), queries(), st.booleans(), st.data())
    def check(dep, q, crafted, data):
        values = {("url", "search"): q}
        unchecked = False
        for item in dep["inputs"] + dep["state"]:
            if item["id"].startswith("{"):
                continue
            strat = _control(item["id"], item["property"])
            if strat is None:
                continue
            if crafted and data.draw(st.integers(0, 3)) == 0:
                strat = st.one_of(_bad, st.lists(_bad, max_size=3), st.integers(-10**12, 10**12), st.none(),
                                  st.dictionaries(st.text(max_size=5), _bad, max_size=2))
                unchecked = unchecked or (item["id"], item["property"]) in UNCHECKED
            values[(item["id"], item["property"])] = data.draw(strat)
        if "coverage-grid" in dep["output"]:   # ~300 group figures per new filter: two selections keep it fast
            land = data.draw(st.sampled_from([None, ["15"]]))
            values = {k: (land if k[0] == "daten-f-land" else None) for k in values} | {("url", "search"): q}
            crafted = False
        if any(i["id"] == "karte-tabs-value" for i in dep["inputs"]):
            values[("karte-tabs-value", "data")] = data.draw(st.sampled_from(["map", "table", None]))
        n0 = len(app["errors"].records)
        _post(app, dep, values)
        if not unchecked:
            _no_errors_since(app, n0, (dep["output"][:60], values))
    check()


def test_json_endpoints_answer_400_or_404_never_500(app):
    """GET /api/geojson?<drawn view>, /api/values, /api/geo/unit/<level>/<ags>, /geo/<file>, /api/steward/status."""
    client = app["client"]

    @_examples(150)
    @given(queries(), st.one_of(_bad, _ind), st.one_of(_bad, st.sampled_from(["kreis", "gemeinde", "land"])),
           st.one_of(_bad, _ags), st.one_of(_bad, _year))
    def check(q, ind, level, ags, year):
        urls = ["/api/geojson?level=land&" + q.lstrip("?"),            # the URL's own level=, if any, wins
                "/api/values?" + urlencode({"indicator": ind, "level": level, "year": year, "land": ags}),
                f"/api/geo/unit/{quote(level, safe='')}/{quote(ags, safe='')}",
                "/geo/" + quote(ags, safe=""), "/api/geo/labels?" + urlencode({"level": level})]
        for url in urls:
            t0 = time.perf_counter()
            r = client.get(url)
            text = r.get_data(as_text=True)
            if TRACE:
                print(f"{time.perf_counter() - t0:6.2f}s {r.status_code} {len(text)} {url[:70]}", flush=True)
            assert r.status_code in (200, 304, 400, 404), (url, r.status_code, text[:300])
            assert not any(leak in text for leak in LEAKS), (url, text[:300])
    check()


def test_security_headers_and_inline_script_hashes(app):
    """Every response: nosniff and Referrer-Policy. HTML: a CSP whose script-src lists the hash of every inline
    script of the served page (and no 'unsafe-inline'), frame-ancestors 'none' + X-Frame-Options: DENY except
    on ?embed=1, and no Python version in Dash's page config."""
    import base64
    import re
    client = app["client"]
    for url in ("/", "/vergleich?lang=en", "/?embed=1", "/gemeinde/15002000?embed=1&lang=en", "/nope"):
        r = client.get(url)
        html = r.get_data(as_text=True)
        csp = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
        scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
        scripts = [x for x in scripts if "alert(\"Dash v2.7+" not in x]          # inside an IE-only comment
        assert len(scripts) >= 2, url
        for body in scripts:
            h = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
            assert h in csp["script-src"].split(), (url, body[:80])
        assert "'unsafe-inline'" not in csp["script-src"] and csp["object-src"] == "'none'"
        assert csp["worker-src"] == "'self' blob:" and csp["default-src"] == "'self'"
        embed = "embed=1" in url
        assert csp["frame-ancestors"] == ("*" if embed else "'none'"), url
        assert r.headers.get("X-Frame-Options") == (None if embed else "DENY"), url
        assert r.headers["X-Content-Type-Options"] == "nosniff" and "python_version" not in html
    for url in ("/_dash-layout", "/_dash-dependencies", "/api/pages", "/assets/app.css", "/healthz", "/api/geo/assets"):
        r = client.get(url)
        assert r.headers["X-Content-Type-Options"] == "nosniff", url
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", url


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("IA_FUZZ_LONG") != "1",
                    reason="30,500 states take ~10 min: `make test-fuzz-long` (IA_FUZZ_LONG=1), not the CI suite")
def test_ten_times_as_many_states(app, monkeypatch):
    """The slow variant: 30,500 states (10× every test above), the lens also at Gemeinde level."""
    monkeypatch.setattr(f"{__name__}.SCALE", SCALE * 10)
    monkeypatch.setattr(f"{__name__}.HEAVY", True)
    for fn in (test_url_state_parse_is_total_valid_and_round_trips,
               test_router_renders_every_drawn_url_with_a_notice_instead_of_an_error,
               test_search_boxes_and_compare_selection_take_any_text, test_page_callbacks_take_drawn_control_values,
               test_json_endpoints_answer_400_or_404_never_500):
        fn(app)


def test_warehouse_unchanged_and_its_connection_read_only(app):
    """After every drawn state: the warehouse file has the same bytes, core.fact_observation the same rows and
    checksum, and the app's own connection refuses writes."""
    import duckdb
    wh = app["wh"]
    assert (_digest(app["path"]), _fingerprint(wh)) == app["before"]
    con = wh._connection()
    for stmt in ("DELETE FROM core.fact_observation", "DROP TABLE core.fact_observation",
                 "CREATE TABLE core.pwned AS SELECT 1", "INSERT INTO core.fact_observation SELECT * FROM "
                 "core.fact_observation LIMIT 1", "ATTACH '/tmp/ia-pwned.duckdb' AS p",
                 "COPY core.dim_region TO '/tmp/ia-pwned.csv'"):
        with pytest.raises(duckdb.Error):
            con.cursor().execute(stmt)
    with pytest.raises(Exception):             # the query layer wraps everything in SELECT * FROM (…) LIMIT
        wh.sql("DELETE FROM core.fact_observation")
    assert not os.path.exists("/tmp/ia-pwned.csv") and not os.path.exists("/tmp/ia-pwned.duckdb")
    assert _fingerprint(wh) == app["before"][1]
