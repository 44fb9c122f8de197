"""The app's only access to the warehouse: thin, memoised wrappers around warehouse.queries.

Everything here goes through warehouse.queries (read-only connection, named parameterised queries,
row cap, time limit, results memoised per warehouse build). Derived structures (search index,
availability catalogue, indicator matrices) are memoised on the warehouse file's identity, so a
rebuilt warehouse is picked up without restarting the server.
"""
from __future__ import annotations

import functools
import gc
import json
import logging
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from etl.settings import get_settings, setting
from warehouse import queries as q

from .components import search as search_mod
from .state import Catalogue

log = logging.getLogger(__name__)
LEVELS = ("gemeinde", "kreis", "land")


def warehouse_ready() -> bool:
    try:
        return q.get_warehouse().path.exists()
    except Exception:  # noqa: BLE001 - any settings problem means "not ready"
        return False


def _ident() -> tuple:
    return q.get_warehouse().identity()


# -- callback memo (issue 11) ---------------------------------------------------------------------

def callback_cache_enabled() -> bool:
    """IA_CALLBACK_CACHE (etl/settings.py): 0 switches the memo below and the start-up precomputation off."""
    return setting("callback_cache").strip().lower() not in {"0", "false", "no", "off"}


_MEMOS: list = []


def memo(maxsize: int = 256):
    """Memoise a pure function of hashable arguments per warehouse build (the file's identity is part of the key,
    so a rebuilt warehouse is recomputed, never served stale). Callers must not mutate what it returns.
    With IA_CALLBACK_CACHE=0 every call recomputes."""
    def deco(fn):
        store: OrderedDict = OrderedDict()
        lock = threading.Lock()

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not callback_cache_enabled():
                return fn(*args, **kwargs)
            try:
                key = (_ident(), args, tuple(sorted(kwargs.items())))
                hash(key)
            except (TypeError, OSError):
                return fn(*args, **kwargs)
            with lock:
                if key in store:
                    store.move_to_end(key)
                    return store[key]
            val = fn(*args, **kwargs)
            with lock:
                store[key] = val
                while len(store) > maxsize:
                    store.popitem(last=False)
            return val
        wrapper.cache_clear = store.clear
        wrapper.cache_len = lambda: len(store)
        _MEMOS.append(wrapper)
        return wrapper
    return deco


def memo_callback(maxsize: int = 256):
    """Memoise a Dash callback body that depends only on its arguments and the warehouse: the key is the JSON of
    the arguments plus the input that fired it (ctx.triggered_prop_ids), per warehouse build. Exceptions
    (PreventUpdate, errors) are not stored. Not for callbacks that read the clock, files or the run log."""
    def deco(fn):
        @memo(maxsize)
        def cached(_name: str, _trig: tuple, key: str):
            return fn(*json.loads(key))

        @functools.wraps(fn)
        def wrapper(*args):
            if not callback_cache_enabled():
                return fn(*args)
            try:
                key = json.dumps(args, sort_keys=True, separators=(",", ":"))
            except (TypeError, ValueError):
                return fn(*args)
            try:
                from dash import callback_context
                trig = tuple(callback_context.triggered_prop_ids or ())
            except Exception:  # noqa: BLE001 - outside a request (tests call callbacks directly)
                trig = ()
            return cached(fn.__module__ + "." + fn.__name__, trig, key)
        return wrapper
    return deco


_WARMERS: list = []
WARM_STOP = threading.Event()     # set at process exit: the warm-up stops between steps


def warmer(fn):
    """Register a page's start-up precomputation (run by the app's background warm-up, see run_warmers)."""
    _WARMERS.append(fn)
    return fn


def run_warmers() -> int:
    """Precompute what the first visitor of each page would otherwise wait for (only with IA_CALLBACK_CACHE=1)."""
    if not callback_cache_enabled():
        return 0
    n = 0
    for fn in _WARMERS:
        if WARM_STOP.is_set():
            break
        try:
            fn()
            n += 1
        except Exception as exc:  # noqa: BLE001 - warm-up is best effort
            log.warning("warm-up %s failed: %s", fn.__name__, exc)
    # ~800,000 objects now live for the process's lifetime: a full (generation 2) collection walks them all,
    # ~0.2-0.4 s inside whichever request triggers it. Collect once, then move them out of the collector's
    # generations (gc.freeze: they are still freed by reference counting, only not scanned for cycles again).
    gc.collect()
    gc.freeze()
    return n


def clear_memos() -> None:
    for m in _MEMOS:
        m.cache_clear()


# -- catalogue ------------------------------------------------------------------------------------

def indicators() -> pd.DataFrame:
    return q.indicators()


def indicator(ind: str) -> dict:
    return dict(_indicator(ind))      # a copy: callers may add keys


@memo(maxsize=1024)
def _indicator(ind: str) -> dict:
    df = indicators()
    hit = df[df["indicator_id"] == ind]
    return hit.iloc[0].to_dict() if len(hit) else {}


def availability() -> pd.DataFrame:
    """indicator_id, level, year, reference_date, n_values."""
    return q.named("availability")


@lru_cache(maxsize=4)
def _catalogue(ident: tuple) -> Catalogue:
    av = availability()
    avail: dict[str, dict[str, list[int]]] = {i: {} for i in indicators()["indicator_id"]}
    for (ind, lvl), g in av.groupby(["indicator_id", "level"]):
        if lvl in LEVELS:
            avail.setdefault(ind, {})[lvl] = sorted(int(y) for y in g["year"])
    lands = tuple(regions("land")["ags"].astype(str))
    return Catalogue(available=avail, lands=lands)


def catalogue() -> Catalogue:
    """What URL validation needs; an empty catalogue when no warehouse exists (app still renders)."""
    if not warehouse_ready():
        return Catalogue()
    return _catalogue(_ident())


def reference_date(ind: str, level: str, year: int) -> str | None:
    av = availability()
    hit = av[(av["indicator_id"] == ind) & (av["level"] == level) & (av["year"] == int(year))]
    return str(hit["reference_date"].iloc[0])[:10] if len(hit) else None


def meta(ind: str, level: str | None = None, year: int | None = None) -> dict:
    """Provenance for footers and downloads: source, table code, reference date, licence, attribution."""
    return dict(_meta(ind, level, int(year) if year else year))     # a copy: callers add keys


@memo(maxsize=1024)
def _meta(ind: str, level: str | None, year: int | None) -> dict:
    row = indicator(ind)
    txt = lambda v: v if isinstance(v, str) and v else None  # noqa: E731 (NaN/None → None)
    out = {"indicator": ind, "source": txt(row.get("sources")), "table_code": txt(row.get("table_codes")),
           "licence": txt(row.get("licence")) or "dl-de/by-2-0", "attribution": txt(row.get("attribution"))}
    if row.get("kind") == "derived" and not out["table_code"]:
        # a derived rate names the sources of its numerator and denominator
        parts = [meta(row[k]) for k in ("numerator", "denominator") if txt(row.get(k)) and row[k] != ind]
        out["source"] = " + ".join(p["source"] for p in parts if p.get("source")) or out["source"]
        out["table_code"] = " / ".join(p["table_code"] for p in parts if p.get("table_code")) or None
        out["attribution"] = " | ".join(p["attribution"] for p in parts if p.get("attribution")) or None
    if level and year:
        out["reference_date"] = reference_date(ind, level, year)
        prov = q.provenance(ind, level, int(year))
        named = prov[prov["title"].notna()]
        if len(named):  # only the tables that supplied this map/chart, not every source of the indicator
            out["source"] = "; ".join(dict.fromkeys(named["publisher"] + ": " + named["title"]))
            out["table_code"] = "; ".join(dict.fromkeys(prov["table_code"].dropna()))
            out["attribution"] = " | ".join(dict.fromkeys(named["attribution"].dropna())) or out["attribution"]
            if prov["first_date"].min() != prov["last_date"].max():
                out["dates"] = (str(prov["first_date"].min())[:10], str(prov["last_date"].max())[:10])
    return out


# -- regions --------------------------------------------------------------------------------------

def regions(level: str) -> pd.DataFrame:
    return q.regions(level)


def lands() -> list[tuple[str, str]]:
    df = regions("land")
    return list(zip(df["ags"].astype(str), df["name"].astype(str)))


def region(ags: str) -> dict:
    level = {2: "land", 5: "kreis", 8: "gemeinde"}.get(len(ags))
    if not level:
        return {}
    df, pos = _region_rows(level)
    i = pos.get(ags)
    return df.iloc[i].to_dict() if i is not None else {}


@memo(maxsize=8)
def _region_rows(level: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The level's regions and {ags: first row}: region() without copying and scanning ~11,000 rows per call."""
    df = regions(level)
    pos: dict[str, int] = {}
    for i, a in enumerate(df["ags"].tolist()):
        pos.setdefault(a, i)
    return df, pos


@lru_cache(maxsize=2)
def _search_index(ident: tuple) -> pd.DataFrame:
    frames = [regions(lvl) for lvl in LEVELS]
    return search_mod.build_index(pd.concat(frames, ignore_index=True))


def search(text: str, limit: int = 20, levels: tuple[str, ...] = LEVELS) -> pd.DataFrame:
    idx = _search_index(_ident())
    idx = idx[idx["level"].isin(levels)]
    return search_mod.search(idx, text, limit)


def label_for(ags: str) -> str:
    idx = _search_index(_ident())
    hit = idx[idx["ags"] == ags]
    return str(hit["label"].iloc[0]) if len(hit) else ags


# -- values ---------------------------------------------------------------------------------------

def values(ind: str, level: str, year: int) -> pd.DataFrame:
    """Units of the current Gebietsstand at `level` with value/flag/reference_date and all facets."""
    return _values(ind, level, int(year)).copy()                      # a copy: callers add columns


@memo(maxsize=192)    # the merged frame (the warm-up fills ~128: every latest year); raw result memoised in queries
def _values(ind: str, level: str, year: int) -> pd.DataFrame:
    v = q.values(ind, level, int(year))
    v = v[v["on_current_territory"].fillna(False).astype(bool)]
    r = regions(level)[["ags", "land_ags", "kreis_ags", "kreis_name", "bbsr_kreistyp", "east_west", "name"]]
    v = v.drop(columns=["bbsr_kreistyp", "east_west", "name"], errors="ignore").merge(r, on="ags", how="left")
    return v.reset_index(drop=True)


class ValueArrays(NamedTuple):
    """One indicator-level-year's values for per-unit look-ups without pandas: `frame` is the memoised values
    frame (not to be mutated), `value` its value column as float64, `region_row` the row in `frame` of each
    unit of regions(level), in that frame's order (-1: no value row; region_rows(level) maps ags to it)."""
    frame: pd.DataFrame
    value: np.ndarray
    region_row: np.ndarray


@memo(maxsize=256)
def value_arrays(ind: str, level: str, year: int) -> ValueArrays:
    """values() as arrays aligned to regions(level): what the place card needs for ~40 indicators per visit
    (peer values by one mask instead of a copied, filtered frame per indicator); filled by warm_value_arrays."""
    v = _values(ind, level, int(year))
    row_of = {a: i for i, a in enumerate(v["ags"].tolist())}
    region_row = np.fromiter((row_of.get(a, -1) for a in regions(level)["ags"].tolist()), dtype=np.int64)
    value = pd.to_numeric(v["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return ValueArrays(v, value, region_row)


def region_rows(level: str) -> dict[str, int]:
    """{ags: row in regions(level)} (first row of an AGS), memoised per build."""
    return _region_rows(level)[1]


@warmer
def warm_value_arrays(levels: tuple[str, ...] = ("gemeinde", "kreis")) -> int:
    """value_arrays of each indicator's latest year per level (after warm_values filled the frames)."""
    n = 0
    for ind, level, year in _latest_years(levels):
        value_arrays(ind, level, year)
        n += 1
    return n


def _latest_years(levels: tuple[str, ...]):
    """(indicator, level, latest year) for every indicator with values at that level: what the warmers fill."""
    for ind in indicators()["indicator_id"]:
        for level in levels:
            year = latest_year(ind, level)
            if year is not None:
                yield ind, level, year


def warm_values(levels: tuple[str, ...] = ("gemeinde", "kreis")) -> int:
    """Fill the value cache for each indicator's latest year per level (profiles rank every indicator at once)."""
    n = 0
    for ind, level, year in _latest_years(levels):
        values(ind, level, year)
        n += 1
    return n


def warm_group_figures(levels: tuple[str, ...] = ("gemeinde", "kreis"), berlin_rule: str = "west") -> int:
    """The unfiltered group figure of each indicator's latest year per level (what the Sources page's coverage
    section shows on a first visit), computed once in the background instead of on that visit."""
    todo: dict[str, list[tuple[str, int]]] = {}
    for ind, level, year in _latest_years(levels):
        todo.setdefault(level, []).append((ind, year))
    n = 0
    for level, items in todo.items():
        try:
            n += len(group_aggregates(level, items, [], {}, berlin_rule))     # one query per level
        except q.UnknownSelection:
            for ind, year in items:
                try:
                    group_aggregate(ind, level, year, [], {}, berlin_rule)
                    n += 1
                except q.UnknownSelection:
                    pass
    return n


@warmer
def warm_group_figures_by_facet(levels: tuple[str, ...] = ("gemeinde", "kreis"), berlin_rule: str = "west") -> int:
    """Each indicator's latest-year group figures by ONE facet and by the page default (size class × East/West),
    unfiltered, default Berlin rule: what a first visit of Vergleich shows, for every indicator and grouping, in
    one batched query per level and grouping (~0.3–0.6 s each) instead of one group_aggregate per visit (~25–40 ms)."""
    from .state import FACETS, AppState
    todo: dict[str, list[tuple[str, int]]] = {}
    for ind, level, year in _latest_years(levels):
        todo.setdefault(level, []).append((ind, year))
    n = 0
    for level, items in todo.items():
        for by in (*([f] for f in FACETS), list(AppState().by)):      # and the page's default pair
            try:
                n += len(group_aggregates(level, items, by, {}, berlin_rule))
            except q.UnknownSelection:      # a facet a level does not have: nothing to precompute
                pass
    return n


@warmer
def warm_meta(levels: tuple[str, ...] = ("gemeinde", "kreis", "land")) -> int:
    """Provenance (footers, place-card sources) of each indicator's latest year per level: ~200 small queries in
    the background instead of ~45 on the first place card."""
    n = 0
    for ind, level, year in _latest_years(levels):
        meta(ind, level, year)
        n += 1
    return n


def values_or_empty(ind: str, level: str, year: int | None) -> pd.DataFrame:
    try:
        if year is None:
            raise q.UnknownSelection("no year")
        return values(ind, level, year)
    except q.UnknownSelection:
        return pd.DataFrame(columns=["ags", "name", "value", "flag", "reference_date"])


def _frozen(filters: dict) -> tuple:
    return tuple(sorted((k, tuple(sorted(map(str, v)))) for k, v in (filters or {}).items() if v))


_GROUPS: OrderedDict = OrderedDict()     # (warehouse identity, ind, level, year, by, filters, berlin) → frame
_GROUPS_MAX = 2048
_GROUPS_LOCK = threading.Lock()


def _groups_get(key: tuple) -> pd.DataFrame | None:
    with _GROUPS_LOCK:
        if key in _GROUPS:
            _GROUPS.move_to_end(key)
            return _GROUPS[key]
    return None


def _groups_put(key: tuple, df: pd.DataFrame) -> None:
    with _GROUPS_LOCK:
        _GROUPS[key] = df
        while len(_GROUPS) > _GROUPS_MAX:
            _GROUPS.popitem(last=False)


def group_aggregate(ind: str, level: str, year: int, by: list[str], filters: dict, berlin_rule: str) -> pd.DataFrame:
    """Memoised per warehouse build (its file identity): the Sources page asks for ~300 of these at once."""
    fz, bt = _frozen(filters), tuple(by or ())
    key = (_ident(), ind, level, int(year), bt, fz, berlin_rule)
    df = _groups_get(key)
    if df is None:
        df = q.group_aggregate(ind, level, int(year), by=list(bt), filters={k: list(v) for k, v in fz},
                               berlin_rule=berlin_rule)
        _groups_put(key, df)
    return df.copy()


def group_aggregates(level: str, items: list[tuple[str, int]], by: list[str], filters: dict,
                     berlin_rule: str) -> dict[tuple[str, int], pd.DataFrame]:
    """group_aggregate for many (indicator, year) pairs of one level: the ones not memoised yet in ONE query
    (warehouse.queries.group_aggregates), each stored under the same key group_aggregate uses."""
    fz, bt, ident = _frozen(filters), tuple(by or ()), _ident()
    items = list(dict.fromkeys((str(i), int(y)) for i, y in items))
    key = lambda it: (ident, it[0], level, it[1], bt, fz, berlin_rule)  # noqa: E731
    out = {it: _groups_get(key(it)) for it in items}
    missing = [it for it, df in out.items() if df is None]
    if missing:
        got = q.group_aggregates(level, missing, by=list(bt), filters={k: list(v) for k, v in fz},
                                 berlin_rule=berlin_rule)
        for it, df in got.items():
            _groups_put(key(it), df)
            out[it] = df
    return {it: df.copy() for it, df in out.items()}


_SERIES: OrderedDict = OrderedDict()     # (warehouse identity, ind, level, by, filters, berlin) → frame
_SERIES_MAX = 2048


def group_series(ind: str, level: str, by: list[str], filters: dict, berlin_rule: str) -> pd.DataFrame:
    """Group figures over all years with values at `level` (the group time series of Vergleich); memoised per
    warehouse build (IA_CALLBACK_CACHE), the unfiltered ones by one facet precomputed by warm_group_series."""
    key = (_ident(), ind, level, tuple(by or ()), _frozen(filters), berlin_rule)
    cache = callback_cache_enabled()
    if cache:
        with _GROUPS_LOCK:
            df = _SERIES.get(key)
            if df is not None:
                _SERIES.move_to_end(key)
                return df.copy()
    try:
        df = q.group_series(ind, level, by=by, filters=filters, berlin_rule=berlin_rule)
    except q.UnknownSelection:
        return pd.DataFrame(columns=["year", "value", "n", "n_with_value", "approximate", "method_de", "method_en"])
    if cache:
        _series_put(key, df)
    return df.copy()


def _series_put(key: tuple, df: pd.DataFrame) -> None:
    with _GROUPS_LOCK:
        _SERIES[key] = df
        while len(_SERIES) > _SERIES_MAX:
            _SERIES.popitem(last=False)


def group_series_many(level: str, by: list[str], berlin_rule: str) -> dict[str, pd.DataFrame]:
    """group_series of every indicator of a level, unfiltered, in ONE query (warehouse.queries.group_aggregates over
    all (indicator, year) pairs; each indicator's years concatenated in group_series' order: year, then groups)."""
    years = {}
    for ind in indicators()["indicator_id"]:
        try:
            ys = q.available(ind).get(level)
        except q.UnknownSelection:
            ys = None
        if ys:
            years[ind] = ys
    many = q.group_aggregates(level, [(i, y) for i, ys in years.items() for y in ys], by, {}, berlin_rule)
    return {ind: pd.concat([many[(ind, y)] for y in ys], ignore_index=True)
            .sort_values(["year", *by], kind="stable").reset_index(drop=True) for ind, ys in years.items()}


def series(ind: str, level: str, ags: list[str]) -> pd.DataFrame:
    if not ags:
        return pd.DataFrame(columns=["ags", "name", "year", "reference_date", "value", "flag", "table_code"])
    return q.named("unit_series", indicator=ind, level=level, ags=",".join(sorted(ags)))


_UNIT_OBS: dict[str, tuple] = {}     # level → (warehouse identity, compact frame, {ags: (start, stop)}, dtypes)


def unit_observations(ags: str, level: str) -> pd.DataFrame:
    """Every observation of one unit (unit_observations.sql): a slice of the level's observations when the
    start-up warm-up has loaded them (warm_unit_observations), else one query (~13 ms: a scan of the facts)."""
    hit = _UNIT_OBS.get(level)
    if hit is not None and callback_cache_enabled() and hit[0] == _ident():
        _ident_, frame, spans, dtypes = hit
        start, stop = spans.get(ags, (0, 0))
        out = frame.iloc[start:stop].reset_index(drop=True).astype(dtypes)
        for c, dt in dtypes.items():     # a text column without any value comes from DuckDB as objects (None)
            if isinstance(dt, pd.StringDtype) and out[c].isna().all():
                out[c] = pd.Series([None] * len(out), dtype=object)
        return out
    return q.named("unit_observations", ags=ags, level=level)


def unit_observations_level(level: str) -> tuple:
    """Every unit's observations of one level in one query (unit_observations_level.sql, the per-unit query's
    columns and order), kept compact (repeated texts as categories; dtypes to restore per slice): the profiles
    and Vergleich's selection table then slice instead of scanning the facts per unit."""
    df = q.get_warehouse().sql(q._query_text("unit_observations_level"), {"level": level}, row_cap=5_000_000,
                               timeout=120)
    ags = df.pop("ags").astype(str).to_numpy()
    dtypes = df.dtypes.to_dict()
    spans: dict[str, tuple[int, int]] = {}
    if len(df):
        cut = np.flatnonzero(ags[1:] != ags[:-1]) + 1
        spans = {ags[a]: (int(a), int(b)) for a, b in zip(np.r_[0, cut], np.r_[cut, len(df)])}
    frame = df.astype({c: "category" for c, dt in dtypes.items() if isinstance(dt, pd.StringDtype) or dt == object})
    return frame, spans, dtypes


@warmer
def warm_unit_observations(levels: tuple[str, ...] = ("kreis", "gemeinde", "land")) -> int:
    """The profiles' observations of every unit of each level, loaded once in the background (~0.7 M rows for
    the Gemeinden in ~30 MB): a profile's first visit slices them instead of running unit_observations.sql."""
    n = 0
    for level in levels:
        ident = _ident()
        frame, spans, dtypes = unit_observations_level(level)
        _UNIT_OBS[level] = (ident, frame, spans, dtypes)
        n += len(spans)
    return n


PEER_RANK_COLUMNS = ["indicator_id", "year", "n_peers", "rank", "n_lower", "n_higher", "size", "ew"]
PEER_RANK_LEVELS = ("gemeinde", "kreis", "land")
_PEER_RANKS: dict[tuple[str, str], tuple] = {}     # (level, berlin) → (warehouse identity, frame, {ags: rows})


def unit_peer_ranks(ags: str, level: str, berlin_rule: str) -> pd.DataFrame:
    """Rank of one unit in its peer group on every indicator (latest year with a value): from the level's
    precomputed ranks when the start-up warm-up has built them (warm_peer_ranks), else one query."""
    berlin = berlin_rule if berlin_rule != "own" else "berlin"
    hit = _PEER_RANKS.get((level, berlin))
    if hit is not None and callback_cache_enabled() and hit[0] == _ident():
        _ident_, frame, spans = hit
        if ags not in spans:
            return pd.DataFrame(columns=PEER_RANK_COLUMNS)
        (start, stop), (size, ew) = spans[ags]
        sub = frame.iloc[start:stop].reset_index(drop=True)
        sub["size"], sub["ew"] = size, ew        # the unit's own group, as unit_peer_ranks.sql returns it
        return sub
    return q.named("unit_peer_ranks", ags=ags, level=level, berlin=berlin)


def peer_ranks_level(level: str, berlin: str) -> tuple:
    """Every unit's peer ranks of one level in one query (warehouse/queries/peer_ranks_level.sql), kept compact
    (indicator as category, 32-bit counts, the unit's size class and East/West once per unit): ~324,000 rows
    for the Gemeinden in ~7 MB."""
    df = q.get_warehouse().sql(q._query_text("peer_ranks_level"), {"level": level, "berlin": berlin},
                               row_cap=5_000_000, timeout=120)   # ~2–5 s for the Gemeinden, more under load
    ags = df["ags"].astype(str).to_numpy()
    spans: dict[str, tuple] = {}
    if len(df):
        cut = np.flatnonzero(ags[1:] != ags[:-1]) + 1
        starts, stops = np.r_[0, cut], np.r_[cut, len(df)]
        size, ew = df["size"].tolist(), df["ew"].tolist()
        spans = {ags[a]: ((int(a), int(b)), (size[a], ew[a])) for a, b in zip(starts, stops)}
    frame = df[["indicator_id", "year", "n_peers", "rank", "n_lower", "n_higher"]].astype(
        {"indicator_id": "category", "year": "int32", "n_peers": "int32", "rank": "int32", "n_lower": "int32",
         "n_higher": "int32"})
    return frame, spans


@warmer
def warm_peer_ranks(levels: tuple[str, ...] = PEER_RANK_LEVELS, berlin: str = "west") -> int:
    """The profiles' peer ranks for every unit of each level (default Berlin rule), built once in the background:
    a profile's first visit then looks its ranks up instead of running unit_peer_ranks.sql (~50–120 ms)."""
    n = 0
    for level in levels:
        ident = _ident()
        frame, spans = peer_ranks_level(level, berlin)
        _PEER_RANKS[(level, berlin)] = (ident, frame, spans)
        n += len(spans)
    return n


@warmer
def warm_status() -> int:
    """The steward console's parts that are read once per process: the dataset catalogue behind the schedule
    (29 YAML files, ~0.5 s, memoised by etl.catalogue) and the dataset status query."""
    from etl.catalogue import load_catalogue
    load_catalogue()
    dataset_status()
    from etl import builds, history, lock, schedule  # noqa: F401 - imported on the console's first visit (~25 ms)
    schedule_overview()      # its trigger classes are imported on first use; the schedule itself is read per visit
    active_run()
    return 1


@warmer
def warm_figures() -> int:
    """Plotly's validators of the map figures (the host map of Karte, the profile's locator map) are loaded on
    first use (~30 ms of JSON); build and serialise each once in the background."""
    from .components import mapfig
    for fig in (mapfig.host_figure(), mapfig.base_figure("")):
        getattr(fig, "to_plotly_json", dict)()      # host_figure is a dict already (built once)
    return 2


@warmer
def warm_group_series(levels: tuple[str, ...] = ("kreis", "gemeinde"), berlin_rule: str = "west") -> int:
    """Vergleich's group time series of every indicator, unfiltered: by nothing and by the page's default pair
    (size class × East/West) at both levels, by each facet at the Kreis level; one batched query per level and
    grouping instead of ~40–120 ms per first visit."""
    from .state import FACETS, AppState
    n = 0
    for level in levels:
        # every grouping at the Kreis level (~1-2 s per query); at the Gemeinde level (~3-6 s per query, the
        # start-up warm-up would double) only no grouping and the page's default pair
        groupings = [[], list(AppState().by)] + ([[f] for f in FACETS] if level == "kreis" else [])
        for by in groupings:
            try:
                got = group_series_many(level, by, berlin_rule)
            except q.UnknownSelection:
                continue
            ident = _ident()
            for ind, df in got.items():
                _series_put((ident, ind, level, tuple(by), (), berlin_rule), df)
            n += len(got)
    return n


@memo(maxsize=4)
def indicator_specs() -> dict[str, dict]:
    """{indicator_id: catalogue row as a dict} per warehouse build (callers must not mutate it)."""
    return {r["indicator_id"]: r for r in indicators().to_dict("records")}


def case_studies(ags: str) -> pd.DataFrame:
    try:
        return q.named("case_studies_for_unit", ags=ags)
    except Exception as exc:  # noqa: BLE001 - the mart may be absent in a partial build
        log.warning("case studies unavailable: %s", exc)
        return pd.DataFrame(columns=["study_id", "study_title", "publisher", "year", "role_in_study"])


def latest_year(ind: str, level: str) -> int | None:
    return catalogue().latest_year(ind, level)


def matrix(level: str, inds: list[str]) -> pd.DataFrame:
    """ags × indicator matrix of each indicator's latest year at `level` (for similarity)."""
    cols = {}
    for ind in inds:
        y = latest_year(ind, level)
        if y is None:
            continue
        v = values(ind, level, y)
        cols[ind] = v.set_index("ags")["value"].astype(float)
    return pd.DataFrame(cols)


# -- provenance -----------------------------------------------------------------------------------

def _named_or_empty(name: str) -> pd.DataFrame:
    """Provenance tables are optional on the Sources page: an old warehouse without them shows a blank, not an error."""
    try:
        return q.named(name)
    except Exception as exc:  # noqa: BLE001
        log.warning("%s unavailable: %s", name, exc)
        return pd.DataFrame()


def etl_runs() -> pd.DataFrame:
    return _named_or_empty("etl_runs")


def snapshots() -> pd.DataFrame:
    return _named_or_empty("snapshots")


# -- geometry -------------------------------------------------------------------------------------

_GEO: dict[str, object] = {"assets": None}


def set_geo_provider(fn) -> None:
    """app.py registers a callable returning {level: asset url} once the geodata blueprint is mounted."""
    _GEO["assets"] = fn


@memo(maxsize=4)     # per warehouse build (marts.geo_assets); a failure is not stored
def _geo_assets_of_build(fn) -> tuple:
    return tuple(sorted((fn() or {}).items()))


def geo_assets() -> dict[str, str]:
    """{level: content-hashed asset URL}; one query per warehouse build (each Karte page asked twice, ~3 ms each)."""
    fn = _GEO.get("assets")
    if fn is None:
        return {}
    try:
        return dict(_geo_assets_of_build(fn))
    except Exception as exc:  # noqa: BLE001 - missing assets must not break the page
        log.warning("geometry assets unavailable: %s", exc)
        return {}


def map_tiles_enabled() -> bool:
    """IA_MAP_TILES: the map draws from vector tiles (geodata/tiles.py) instead of a GeoJSON source."""
    return str(get_settings().map_tiles).strip().lower() not in {"0", "false", "no", "off"}


def geo_tiles(geo_url: str | None) -> str | None:
    """Tile URL template of a geometry asset URL when the map uses vector tiles, else None."""
    if not geo_url or not map_tiles_enabled():
        return None
    from geodata.tiles import tiles_url
    return tiles_url(geo_url)


def boundary_status(level: str) -> pd.DataFrame:
    """ags, boundary_status from core.geo_region (empty frame when the geodata tables are not built)."""
    try:
        return q.named("geo_status", level=level)
    except Exception:  # noqa: BLE001
        return pd.DataFrame(columns=["ags", "boundary_status"])


def centroid(ags: str, level: str) -> dict | None:
    df = boundary_status(level)
    if df.empty or "lat" not in df.columns:
        return None
    hit = df[df["ags"] == ags]
    if hit.empty or pd.isna(hit["lat"].iloc[0]):
        return None
    return {"lat": float(hit["lat"].iloc[0]), "lon": float(hit["lon"].iloc[0])}


def no_boundary(level: str) -> pd.DataFrame:
    """Units of `level` without a polygon (shown as "boundary not available"): ags, name, note (the reason)."""
    df = boundary_status(level)
    if df.empty or "note" not in df.columns:
        return pd.DataFrame(columns=["ags", "name", "note"])
    return df.loc[df["boundary_status"].astype(str) == "not_available", ["ags", "name", "note"]].reset_index(drop=True)


def bbox(ags: list[str], level: str) -> list[float] | None:
    """Union bounding box [minx, miny, maxx, maxy] (EPSG:4326) of the units that have a polygon."""
    df = boundary_status(level)
    if df.empty or "bbox_minx" not in df.columns:
        return None
    hit = df[df["ags"].isin(ags) & df["bbox_minx"].notna()]
    if hit.empty:
        return None
    return [float(hit["bbox_minx"].min()), float(hit["bbox_miny"].min()),
            float(hit["bbox_maxx"].max()), float(hit["bbox_maxy"].max())]


def finite(x) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


def build_info() -> dict[str, str]:
    """meta.build_info as {key: value} (models_hash, built_at, …); empty when the table is missing."""
    df = _named_or_empty("build_info")
    return dict(zip(df["key"].astype(str), df["value"].astype(str))) if len(df) else {}


def build_id() -> str:
    """Short, stable name of the warehouse build for citations: 'build_id' if the runner records one,
    else the build time plus the first 12 characters of the models hash."""
    info = build_info()
    if info.get("build_id"):
        return info["build_id"]
    parts = [info.get("built_at", "")[:19], info.get("models_hash", "")[:12]]
    return "/".join(p for p in parts if p) or "unbekannt"


# -- steward console (/status) ----------------------------------------------------------------------
# Dataset status comes from the warehouse (named query). Run history, schedule and archived builds are
# files beside the warehouse (var/runs, etl/schedule.toml, var/builds) — a failed run is never written
# into a warehouse — so they are read through the etl modules that own them, not through SQL.

def dataset_status() -> pd.DataFrame:
    return _named_or_empty("dataset_status")


def run_history(n: int = 10) -> list[dict]:
    from etl import history
    from etl.settings import get_settings
    return history.recent(get_settings(), n)


def active_run() -> dict | None:
    from etl import history
    from etl.settings import get_settings
    return history.active(get_settings())


def schedule_overview() -> dict:
    """{entries: [{name, cron, description, datasets, paused, next}], by_dataset: {...}, error}"""
    from etl import schedule as sch
    from etl.settings import get_settings
    s = get_settings()
    try:
        plan = sch.load_schedule(s.schedule_file)
    except Exception as exc:  # noqa: BLE001 - the console still shows the datasets
        return {"entries": [], "by_dataset": {}, "error": str(exc)}
    off = sch.paused(s)
    entries = []
    for e in plan.entries:
        nxt = None if e.name in off else sch.next_fire(e, plan.timezone)
        entries.append({"name": e.name, "cron": e.cron, "description": e.description, "datasets": e.datasets,
                        "paused": e.name in off, "next": nxt.isoformat(timespec="minutes") if nxt else None})
    return {"entries": entries, "by_dataset": sch.dataset_next_runs(plan, s), "error": None,
            "timezone": plan.timezone}


def archived_builds() -> list[dict]:
    from etl import builds
    from etl.settings import get_settings
    return [{"build_id": b.build_id, "live": b.live} for b in builds.list_builds(get_settings())]


def steward_read_only() -> bool:
    from etl.settings import get_settings
    return not get_settings().steward_token
