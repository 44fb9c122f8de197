"""The named, parameterised, read-only queries that the CLI and the dashboard may run — nothing else.

Safety in layers: a read-only DuckDB connection without external access (warehouse.connection),
SQL only from files in warehouse/queries/*.sql or from this module (user input only ever
arrives as bound parameters or as a value checked against a whitelist), a row cap and a time
limit on every query, memoised results keyed by the warehouse file's identity so a rebuilt
warehouse is picked up without restarting.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl.errors import UnknownSelection
from etl.settings import Settings, get_settings, setting

from .connection import connect_reader

QUERY_DIR = Path(__file__).parent / "queries"
LEVELS = ("land", "kreis", "gemeinde")
FACETS = {
    "kommunaltyp": "r.kommunaltyp",
    "size_class": "r.size_class",
    "size_class_fine": "r.size_class_fine",
    "land": "r.land_ags",
    "east_west": "east_west_rule",
    "bbsr_kreistyp": "r.bbsr_kreistyp",
    "sonderstatus": "r.sonderstatus",
}
BERLIN_RULES = {"own": "berlin", "west": "west", "east": "east"}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class QueryError(RuntimeError):
    pass


class Warehouse:
    """One read-only connection; each query runs on its own cursor with a row cap and a time limit."""

    def __init__(self, settings: Settings | None = None, path: Path | str | None = None):
        self.settings = settings or get_settings()
        self.path = Path(path or self.settings.warehouse)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple | None = None
        self._lock = threading.Lock()
        self._active: set = set()             # cursors with a query running (shutdown interrupts them)
        self._closed = False
        self.row_cap = int(self.settings.query_row_cap)
        self.timeout = float(self.settings.query_timeout)

    def identity(self) -> tuple:
        st = self.path.stat()
        return (str(self.path), st.st_mtime_ns, st.st_size, st.st_ino)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._open()

    def _open(self) -> duckdb.DuckDBPyConnection:
        ident = self.identity()
        if self._con is None or ident != self._identity:
            if self._con is not None:
                self._con.close()
            self._con = connect_reader(self.path)
            self._identity = ident
        return self._con

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own per query (DuckDB connections are not thread-safe; gthread workers run requests in
        threads). Taken under the lock: another thread must not close the connection between open and cursor()
        when a rebuilt warehouse is swapped in (queries already running on the old one finish normally)."""
        with self._lock:
            if self._closed:
                raise QueryError("the process is exiting: no more queries")
            cur = self._open().cursor()
            self._active.add(cur)
            return cur

    def shutdown(self) -> None:
        """At process exit: interrupt running queries and refuse new ones. The interpreter exiting while a
        DuckDB query runs in another thread (the app's start-up warm-up) aborts the process (C++ terminate,
        exit code 134) instead of ending it."""
        with self._lock:
            self._closed = True
            for cur in list(self._active):
                try:
                    cur.interrupt()
                except Exception:  # noqa: BLE001 - a cursor that has just finished
                    pass

    def sql(self, sql: str, params: dict | None = None, row_cap: int | None = None,
            timeout: float | None = None) -> pd.DataFrame:
        """`row_cap` / `timeout`: larger limits for the app's own start-up precomputation, never for user input."""
        cap = row_cap or self.row_cap
        limit = timeout or self.timeout
        cur = self._cursor()
        timer = threading.Timer(limit, cur.interrupt)
        timer.start()
        try:
            body = sql.strip().rstrip(";")
            df = cur.execute(f"SELECT * FROM ({body}) LIMIT {cap + 1}", params or {}).df()
        except duckdb.InterruptException:
            if self._closed:
                raise QueryError("query stopped: the process is exiting") from None
            raise QueryError(f"query took longer than {limit:.0f} s and was stopped") from None
        finally:
            timer.cancel()
            with self._lock:
                self._active.discard(cur)
            cur.close()
        if len(df) > cap:
            raise QueryError(f"query returned more than {cap} rows; narrow the selection")
        return df


_WAREHOUSES: dict[str, Warehouse] = {}


def get_warehouse(settings: Settings | None = None) -> Warehouse:
    if settings is None:          # the app's path, once per memoised call: only the warehouse setting is read
        wh = _WAREHOUSES.get(str(Path(setting("warehouse_path"))))
        if wh is not None:
            return wh
        settings = get_settings()
    key = str(settings.warehouse)
    if key not in _WAREHOUSES:
        _WAREHOUSES[key] = Warehouse(settings)
    return _WAREHOUSES[key]


def shutdown() -> None:
    """Every warehouse of this process: see Warehouse.shutdown."""
    for wh in list(_WAREHOUSES.values()):
        wh.shutdown()


def query_names() -> list[str]:
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


@lru_cache(maxsize=64)
def _query_text(name: str) -> str:
    if not _NAME.match(name):
        raise QueryError(f"invalid query name {name!r}")
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"unknown query {name!r}; known: {', '.join(query_names())}")
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _cached(ident: tuple, name: str, frozen: tuple) -> pd.DataFrame:
    wh = _WAREHOUSES[ident[0]]
    return wh.sql(_query_text(name), dict(frozen))


_INFLIGHT: dict[tuple, list] = {}          # key → [lock, number of threads using it]
_INFLIGHT_LOCK = threading.Lock()


def _single_flight(key: tuple, fn):
    """Threads of one gthread worker asking for the same not-yet-memoised query wait for the first one instead of
    running it again each (lru_cache alone would run it once per thread: N× the CPU on a cold cache)."""
    with _INFLIGHT_LOCK:
        ent = _INFLIGHT.setdefault(key, [threading.Lock(), 0])
        ent[1] += 1
    try:
        with ent[0]:
            return fn()
    finally:
        with _INFLIGHT_LOCK:
            ent[1] -= 1
            if ent[1] == 0:
                _INFLIGHT.pop(key, None)


def named(name: str, wh: Warehouse | None = None, **params) -> pd.DataFrame:
    """Run warehouse/queries/<name>.sql with DuckDB named parameters ($param); memoised per warehouse build."""
    wh = wh or get_warehouse()
    _WAREHOUSES.setdefault(str(wh.path), wh)
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    ident = wh.identity()
    df = _single_flight((ident, name, frozen), lambda: _cached(ident, name, frozen))
    return df.copy()


def uncached(name: str, wh: Warehouse | None = None, **params) -> pd.DataFrame:
    """A named query run now, bypassing the memo (health checks must read the warehouse, not a cache)."""
    wh = wh or get_warehouse()
    return wh.sql(_query_text(name), params)


# -- catalogue and selection checks ------------------------------------------------------------

def indicators(wh: Warehouse | None = None) -> pd.DataFrame:
    return named("indicators", wh)


def regions(level: str, wh: Warehouse | None = None) -> pd.DataFrame:
    check_level(level)
    return named("regions", wh, level=level)


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise UnknownSelection(f"unknown level {level!r}; choose one of: {', '.join(LEVELS)}")


def available(indicator: str, wh: Warehouse | None = None) -> dict[str, list[int]]:
    """{level: [years with at least one value]} for one indicator."""
    ind = indicators(wh)
    if indicator not in set(ind["indicator_id"]):
        raise UnknownSelection(f"unknown indicator {indicator!r}; available: {', '.join(ind['indicator_id'])}")
    df = named("indicator_years", wh, indicator=indicator)
    return {lvl: sorted(g["year"].astype(int).tolist()) for lvl, g in df.groupby("level")}


def check_selection(indicator: str, level: str, year: int, wh: Warehouse | None = None) -> None:
    check_level(level)
    avail = available(indicator, wh)
    if level not in avail:
        have = ", ".join(f"{lvl} ({', '.join(map(str, ys))})" for lvl, ys in avail.items()) or "none"
        raise UnknownSelection(f"indicator {indicator!r} has no values at level {level!r}; levels with values: {have}")
    if int(year) not in avail[level]:
        raise UnknownSelection(f"indicator {indicator!r} has no values for {year} at level {level!r}; "
                               f"years: {', '.join(map(str, avail[level]))}")


# -- values, exports and groups ------------------------------------------------------------------

def provenance(indicator: str, level: str, year: int, wh: Warehouse | None = None) -> pd.DataFrame:
    """Datasets, table codes, files and reference dates behind the values of one indicator, level and year."""
    return named("provenance", wh, indicator=indicator, level=level, year=int(year))


def values(indicator: str, level: str, year: int, wh: Warehouse | None = None) -> pd.DataFrame:
    """One row per unit of the current Gebietsstand at `level` (units without a value included, value NULL),
    plus rows on another Gebietsstand that could not be converted (on_current_territory = false)."""
    check_selection(indicator, level, year, wh)
    return named("values", wh, indicator=indicator, level=level, year=int(year))


def _facet_sql(facet: str) -> str:
    if facet not in FACETS:
        raise UnknownSelection(f"unknown facet {facet!r}; choose from: {', '.join(FACETS)}")
    return FACETS[facet]


BOOKED_FLAGS = ("booked_elsewhere", "includes_other_kreise")
CORRECTIONS_DIR = Path(__file__).resolve().parent.parent / "etl" / "corrections"


@lru_cache(maxsize=1)
def booking_clusters() -> tuple[tuple[str, str], ...]:
    """(member, host) pairs of the booking clusters: protection seekers of a Kreis booked at a neighbouring
    authority (etl/corrections/*.yml entries with `bookings`: Saarland → 10044 Saarlouis, 06633 → 06611 Kassel,
    12071 → 12052 Cottbus). Which Kreise are really booked elsewhere in a year comes from the flags in the
    warehouse; this only says where."""
    import yaml
    pairs: dict[str, str] = {}
    for path in sorted(CORRECTIONS_DIR.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for b in doc.get("bookings") or []:
            member, host = str(b["ags"]), str(b["booked_at"])
            if pairs.setdefault(member, host) != host:
                raise QueryError(f"{path.name}: Kreis {member} booked at {host} and at {pairs[member]}")
    return tuple(sorted(pairs.items()))


def _spec_text(spec, key: str) -> str | None:
    v = spec.get(key) if hasattr(spec, "get") else None
    return v if isinstance(v, str) and v else None


def _units_cte(keep: list[str], group_cols: list[str]) -> str:
    """The first two CTEs of the group-figure queries: regions with the Berlin rule applied, and the level's units
    with their filter flag and group columns (shared by group_aggregate and group_aggregates)."""
    return f"""
    WITH r AS (
        SELECT r.*, CASE WHEN r.east_west = 'berlin' THEN $berlin ELSE r.east_west END AS east_west_rule
        FROM core.dim_region r
    ),
    units AS (
        SELECT r.ags, r.population AS population_now, {' AND '.join(keep)} AS keep
               {(', ' + ', '.join(group_cols)) if group_cols else ''}
        FROM r WHERE r.level = $level
    ),"""


def _joined_cte(value_id: str, num_id: str, den_id: str) -> str:
    """The CTEs joining each unit-year (uy) with its value, numerator, denominator, population (pop) and booking
    cluster (cl), shared by group_aggregate and group_aggregates; the three ids are SQL: bound parameters in the
    one, the spec's columns in the other."""
    return f"""
    cl AS (SELECT unnest($cl_member::VARCHAR[]) AS member, unnest($cl_host::VARCHAR[]) AS host),
    j AS (
        SELECT uy.*, v.value, v.flag, v.reference_date, n.value AS num, n.flag AS num_flag, d.value AS den,
               pop.pop, pop.pop_date,
               CASE coalesce(n.flag, v.flag) WHEN 'booked_elsewhere' THEN coalesce(cl.host, uy.ags)
                                              WHEN 'includes_other_kreise' THEN uy.ags END AS cluster
        FROM uy
        LEFT JOIN obs v ON v.ags = uy.ags AND v.year = uy.year AND v.indicator_id = {value_id}
        LEFT JOIN obs n ON n.ags = uy.ags AND n.year = uy.year AND n.indicator_id = {num_id}
        LEFT JOIN obs d ON d.ags = uy.ags AND d.year = uy.year AND d.indicator_id = {den_id}
        LEFT JOIN pop ON pop.ags = uy.ags AND pop.year = uy.year
        LEFT JOIN cl ON cl.member = uy.ags
    ),
    """


def group_aggregate(indicator: str, level: str, year: int, by: list[str] | None = None,
                    filters: dict[str, list] | None = None, berlin_rule: str = "own",
                    wh: Warehouse | None = None, *, years: list[int] | None = None) -> pd.DataFrame:
    """Group figures with n, population and the method used (one row per group; with `years`, per group and year).

    count   -> sum(value)
    derived -> sum(numerator) / sum(denominator) * scale over units where both exist
    rate    -> sum(value * weight) / sum(weight) with the indicator's `weight` (its own denominator:
               labour force for unemployment rates, children of the age group for childcare quotas, population
               for shares of the population) from the same year; a unit without it is weighted with its
               population and the figure is marked `approximate` (n_weight_fallback units)

    Booking clusters (protection seekers booked at a neighbouring authority, flags booked_elsewhere /
    includes_other_kreise): a cluster whose members all fall into the same group (and pass the filters) is
    counted in full – the host's value in the numerator, every member's denominator; a cluster split across
    groups is excluded from numerator and denominator (n_excluded units, n_clusters_excluded clusters).

    Columns (added ones after `n_weight_fallback`): population = population at the figure's year (latest
    Stichtag in that year, Zensus 15.05.2022 counts, else the latest earlier Stichtag: population_date says which;
    n_population_earlier units had no population of that year), reference_date = latest reference date of the
    values, weight_id, approximate, n_cluster_units, n_clusters_complete, n_clusters_excluded, method_de, method_en.
    """
    wh = wh or get_warehouse()
    if years is None:
        check_selection(indicator, level, year, wh)
        years = [int(year)]
    else:
        check_level(level)
        years = sorted({int(y) for y in years})
        if not years:
            raise UnknownSelection(f"no years given for indicator {indicator!r}")
    if berlin_rule not in BERLIN_RULES:
        raise UnknownSelection(f"unknown Berlin rule {berlin_rule!r}; choose from: {', '.join(BERLIN_RULES)}")
    by = list(by or [])
    group_cols = [f"{_facet_sql(f)} AS {f}" for f in by]
    params = {"level": level, "indicator": indicator, "years": years, "berlin": BERLIN_RULES[berlin_rule]}
    keep = _keep_clauses(filters, params)
    ind = indicators(wh).set_index("indicator_id")
    spec, kind, num_id, den_id, weight, scale = _spec_of(ind, indicator)
    members, hosts = zip(*booking_clusters()) if booking_clusters() else ((), ())
    params.update({"num_id": num_id, "den_id": den_id, "cl_member": list(members), "cl_host": list(hosts)})
    gsel = ", ".join(f for f in by)
    gkey = ", ".join(["year"] + by)
    pop_weight = den_id in ("population", "population_census2022")
    sql = _units_cte(keep, group_cols) + f"""
    yrs AS (SELECT unnest($years)::INTEGER AS year),
    uy AS (SELECT u.*, y.year, make_date(y.year, 12, 31) AS year_end FROM units u CROSS JOIN yrs y),
    -- one value per unit, indicator and year: the year's latest Stichtag (Berlin's register counts are half-yearly)
    obs AS (SELECT ags, indicator_id, year, reference_date, value, flag FROM core.fact_observation
            WHERE level = $level AND indicator_id IN ($indicator, $num_id, $den_id)
              AND year IN (SELECT year FROM yrs)
            QUALIFY row_number() OVER (PARTITION BY ags, indicator_id, year ORDER BY reference_date DESC) = 1),
    -- population as of the figure's year: the latest Stichtag up to 31.12. of that year (census counts included)
    popc AS (SELECT ags, reference_date AS pop_date, value AS pop FROM core.fact_observation
             WHERE level = $level AND indicator_id IN ('population', 'population_census2022') AND value IS NOT NULL
               AND year <= (SELECT max(year) FROM yrs)),
    pop AS (SELECT uy.ags, uy.year, p.pop, p.pop_date FROM uy ASOF LEFT JOIN popc p
            ON p.ags = uy.ags AND p.pop_date <= uy.year_end),
""" + _joined_cte("$indicator", "$num_id", "$den_id") + f"""
    -- a cluster is complete when all its members pass the filters and fall into one group
    clusters AS (
        SELECT year, cluster, bool_and(keep) AND count(DISTINCT {('(' + gsel + ')') if by else "1"}) = 1 AS complete
        FROM j WHERE cluster IS NOT NULL GROUP BY year, cluster
    ),
    k AS (
        SELECT j.*, c.complete AS cluster_complete,
               coalesce(c.complete, true) AS counted,
               {'pop' if pop_weight else 'den'} AS w_own,
               coalesce({'CASE WHEN year(pop_date) = year THEN pop END' if pop_weight else 'den'},
                        pop, population_now) AS w,
               {'year(pop_date) IS DISTINCT FROM year' if pop_weight else 'den IS NULL'} AS w_fallback
        FROM j LEFT JOIN clusters c USING (year, cluster)
        WHERE j.keep
    ),
    g AS (
        SELECT {gkey},
               count(*) AS n, count(value) AS n_with_value,
               sum(pop) AS population, max(pop_date) AS population_date,
               count(*) FILTER (WHERE pop_date IS NULL OR year(pop_date) <> year) AS n_population_earlier,
               max(reference_date) AS reference_date,
               {'sum(value) FILTER (WHERE counted)' if kind == 'count' else
                'sum(num) FILTER (WHERE counted AND den IS NOT NULL AND (num IS NOT NULL OR cluster_complete))'
                if kind == 'derived' else 'sum(value * w) FILTER (WHERE value IS NOT NULL)'} AS numerator_,
               {'NULL::DOUBLE' if kind == 'count' else
                'sum(den) FILTER (WHERE counted AND den IS NOT NULL AND (num IS NOT NULL OR cluster_complete))'
                if kind == 'derived' else 'sum(w) FILTER (WHERE value IS NOT NULL)'} AS denominator,
               count(*) FILTER (WHERE NOT counted) AS n_excluded,
               count(*) FILTER (WHERE cluster_complete) AS n_cluster_units,
               count(DISTINCT cluster) FILTER (WHERE cluster_complete) AS n_clusters_complete,
               count(DISTINCT cluster) FILTER (WHERE NOT counted) AS n_clusters_excluded,
               count(*) FILTER (WHERE w_fallback AND value IS NOT NULL) AS n_weight_fallback
        FROM k GROUP BY {gkey}
    )
    SELECT {(gsel + ',') if gsel else ''} year, n, n_with_value, population,
           {'numerator_' if kind == 'count' else
            f'numerator_ / nullif(denominator, 0) * {scale}' if kind == 'derived' else
            'numerator_ / nullif(denominator, 0)'} AS value,
           {'NULL::DOUBLE' if kind == 'rate' else 'numerator_'} AS numerator, denominator,
           n_excluded, n_weight_fallback, population_date, n_population_earlier, reference_date,
           n_cluster_units, n_clusters_complete, n_clusters_excluded
    FROM g ORDER BY {gkey}
    """
    return _finish(wh.sql(sql, params), spec, kind, num_id, den_id, weight, indicator, level, years)


def _keep_clauses(filters: dict[str, list] | None, params: dict) -> list[str]:
    """SQL conditions of the facet filters (column names from the FACETS whitelist, values as bound parameters
    $f<i>_<j> added to `params`)."""
    keep = ["true"]
    for i, (facet, allowed) in enumerate((filters or {}).items()):
        col = _facet_sql(facet)
        if not allowed:
            continue
        names = []
        for j, val in enumerate(allowed):
            params[f"f{i}_{j}"] = str(val)
            names.append(f"$f{i}_{j}")
        keep.append(f"coalesce(CAST({col} AS VARCHAR) IN ({', '.join(names)}), false)")
    return keep


def _spec_of(ind: pd.DataFrame, indicator: str):
    """(spec row, kind, numerator id, denominator id, weight id, scale) of one indicator of the catalogue."""
    if indicator not in ind.index:
        raise UnknownSelection(f"unknown indicator {indicator!r}; available: {', '.join(ind.index)}")
    spec = ind.loc[indicator]
    kind = spec["kind"]
    num_id = spec["numerator"] if kind == "derived" else indicator
    weight = spec["weight"] if isinstance(spec["weight"], str) and spec["weight"] else "population"
    den_id = spec["denominator"] if kind == "derived" else weight
    scale = float(spec["scale"]) if kind == "derived" and pd.notna(spec["scale"]) else 1.0
    return spec, kind, num_id, den_id, weight, scale


def _finish(df: pd.DataFrame, spec, kind: str, num_id: str, den_id: str, weight: str, indicator: str, level: str,
            years: list[int]) -> pd.DataFrame:
    """The group figures' text columns (dates, weight, method DE/EN) and keys, from the SQL result."""
    for col in ("population_date", "reference_date"):  # ISO dates as text, like every date the app shows
        df[col] = [str(v)[:10] if pd.notna(v) else None for v in df[col]]
    w_de = _spec_text(spec, "weight_note_de") or ("Bevölkerung" if weight == "population" else weight)
    w_en = _spec_text(spec, "weight_note_en") or ("population" if weight == "population" else weight)
    df["weight_id"] = weight if kind == "rate" else (den_id if kind == "derived" else None)
    df["approximate"] = (df["n_weight_fallback"] > 0) if kind == "rate" else False
    df["method_de"] = [_method(kind, num_id, den_id, w_de, r, "de") for r in df.itertuples()]
    df["method_en"] = [_method(kind, num_id, den_id, w_en, r, "en") for r in df.itertuples()]
    base = {"count": "Summe / sum",
            "derived": f"Quotient der Summen / ratio of sums ({num_id} / {den_id})",
            "rate": f"gewichtetes Mittel der veröffentlichten Quoten (Gewicht: {w_de}) / weighted by {w_en}"}[kind]
    df["method"] = [base + (f" – Näherung / approximate ({r.n_weight_fallback} × Bevölkerung / population)"
                            if kind == "rate" and r.n_weight_fallback else "")
                    + (f" – {r.n_excluded} ausgeschlossen (Buchungscluster über Gruppen) / excluded (booking cluster "
                       f"split across groups)" if r.n_excluded else "")
                    for r in df.itertuples()]
    df["indicator_id"] = indicator
    df["level"] = level
    if len(years) == 1:
        df["year"] = int(years[0])
    df["year"] = df["year"].astype(int)
    return df


def _method(kind: str, num_id: str, den_id: str, weight_note: str, r, lang: str) -> str:
    """The method line of one group figure in one language: what was summed or weighted, and what is approximate."""
    de = lang == "de"
    if kind == "count":
        out = "Summe" if de else "Sum"
    elif kind == "derived":
        out = (f"Quotient der Summen ({num_id} / {den_id})" if de else f"Ratio of sums ({num_id} / {den_id})")
    else:
        out = (f"Veröffentlichte Quoten, gewichtet (Gewicht: {weight_note})" if de
               else f"Published rates weighted by {weight_note}")
        if r.n_weight_fallback:
            out += (f"; Näherung: {r.n_weight_fallback} Einheiten ohne dieses Gewicht mit der Bevölkerung gewichtet"
                    if de else f"; approximate: {r.n_weight_fallback} units without that weight weighted by population")
    if r.n_clusters_complete:
        out += (f"; {r.n_clusters_complete} Buchungscluster vollständig gezählt ({r.n_cluster_units} Kreise)" if de
                else f"; {r.n_clusters_complete} booking cluster{'s' if r.n_clusters_complete > 1 else ''} counted "
                     f"in full ({r.n_cluster_units} districts)")
    if r.n_excluded:
        out += (f"; {r.n_excluded} Kreise ausgeschlossen (Buchungscluster über mehrere Gruppen)" if de
                else f"; {r.n_excluded} districts excluded (booking cluster split across groups)")
    return out


def group_series(indicator: str, level: str, by: list[str] | None = None, filters: dict[str, list] | None = None,
                 berlin_rule: str = "own", wh: Warehouse | None = None,
                 years: list[int] | None = None) -> pd.DataFrame:
    """Group figures for every year the indicator has values at `level` (same rules as group_aggregate),
    one row per group and year: the lines of the group time series."""
    avail = available(indicator, wh)
    if level not in avail:
        check_selection(indicator, level, 0, wh)  # raises with the levels that exist
    ys = [y for y in avail[level] if years is None or y in set(years)]
    return group_aggregate(indicator, level, ys[-1] if ys else 0, by, filters, berlin_rule, wh, years=ys)


def group_aggregates(level: str, items: list[tuple[str, int]], by: list[str] | None = None,
                     filters: dict[str, list] | None = None, berlin_rule: str = "own",
                     wh: Warehouse | None = None) -> dict[tuple[str, int], pd.DataFrame]:
    """group_aggregate for many (indicator, year) pairs of one level in ONE query: {(indicator, year): frame},
    each frame equal to group_aggregate(indicator, level, year, by, filters, berlin_rule) (same rules, columns,
    order; a selection without units gives an empty frame). The Sources page's coverage under a filter asks for
    ~60 indicators per level: one scan of the observations instead of one query per indicator.

    The indicators' specs (kind, numerator, denominator, weight, scale) travel as bound list parameters and are
    joined in SQL; the population as of each figure's year is one ASOF join per distinct year."""
    wh = wh or get_warehouse()
    check_level(level)
    if berlin_rule not in BERLIN_RULES:
        raise UnknownSelection(f"unknown Berlin rule {berlin_rule!r}; choose from: {', '.join(BERLIN_RULES)}")
    items = list(dict.fromkeys((str(i), int(y)) for i, y in items))
    vy = named("value_years", wh)
    have = set(zip(vy.loc[vy["level"] == level, "indicator_id"], vy.loc[vy["level"] == level, "year"].astype(int)))
    for indicator, year in items:
        if (indicator, year) not in have:
            check_selection(indicator, level, year, wh)     # raises the message group_aggregate gives
    by = list(by or [])
    group_cols = [f"{_facet_sql(f)} AS {f}" for f in by]
    params: dict = {"level": level, "berlin": BERLIN_RULES[berlin_rule]}
    keep = _keep_clauses(filters, params)
    ind = indicators(wh).set_index("indicator_id")
    specs = {it: _spec_of(ind, it[0]) for it in items}
    if not items:
        return {}
    members, hosts = zip(*booking_clusters()) if booking_clusters() else ((), ())
    params.update({
        "s_ind": [i for i, _ in items], "s_year": [y for _, y in items],
        "s_num": [specs[it][2] for it in items], "s_den": [specs[it][3] for it in items],
        "s_kind": [str(specs[it][1]) for it in items], "s_scale": [specs[it][5] for it in items],
        "s_popw": [specs[it][3] in ("population", "population_census2022") for it in items],
        "cl_member": list(members), "cl_host": list(hosts)})
    gsel = ", ".join(by)
    gkey = ", ".join(["sid", "year"] + by)
    counted_ratio = "counted AND den IS NOT NULL AND (num IS NOT NULL OR cluster_complete)"
    sql = _units_cte(keep, group_cols) + f"""
    spec AS (SELECT unnest($s_ind::VARCHAR[]) AS sid, unnest($s_year::INTEGER[]) AS year,
                    unnest($s_num::VARCHAR[]) AS num_id, unnest($s_den::VARCHAR[]) AS den_id,
                    unnest($s_kind::VARCHAR[]) AS kind, unnest($s_scale::DOUBLE[]) AS scale,
                    unnest($s_popw::BOOLEAN[]) AS pop_weight),
    yrs AS (SELECT DISTINCT year FROM spec),
    uy AS (SELECT u.*, s.*, make_date(s.year, 12, 31) AS year_end FROM units u CROSS JOIN spec s),
    need AS (SELECT DISTINCT indicator_id, year FROM (
                 SELECT sid AS indicator_id, year FROM spec UNION ALL SELECT num_id, year FROM spec
                 UNION ALL SELECT den_id, year FROM spec)),
    -- one value per unit, indicator and year: the year's latest Stichtag (as in group_aggregate)
    obs AS (SELECT f.ags, f.indicator_id, f.year, f.reference_date, f.value, f.flag FROM core.fact_observation f
            SEMI JOIN need n ON n.indicator_id = f.indicator_id AND n.year = f.year
            WHERE f.level = $level
            QUALIFY row_number() OVER (PARTITION BY f.ags, f.indicator_id, f.year ORDER BY f.reference_date DESC) = 1),
    -- population as of each figure's year: latest Stichtag up to 31.12. among the rows of years up to that year
    popc AS (SELECT y.year AS tyear, f.ags, f.reference_date AS pop_date, f.value AS pop
             FROM core.fact_observation f JOIN yrs y ON f.year <= y.year
             WHERE f.level = $level AND f.indicator_id IN ('population', 'population_census2022')
               AND f.value IS NOT NULL),
    uya AS (SELECT u.ags, y.year, make_date(y.year, 12, 31) AS year_end FROM units u CROSS JOIN yrs y),
    pop AS (SELECT uya.ags, uya.year, p.pop, p.pop_date FROM uya ASOF LEFT JOIN popc p
            ON p.ags = uya.ags AND p.tyear = uya.year AND p.pop_date <= uya.year_end),
""" + _joined_cte("uy.sid", "uy.num_id", "uy.den_id") + f"""
    clusters AS (
        SELECT sid, year, cluster, bool_and(keep) AND count(DISTINCT {('(' + gsel + ')') if by else "1"}) = 1 AS complete
        FROM j WHERE cluster IS NOT NULL GROUP BY sid, year, cluster
    ),
    k AS (
        SELECT j.*, c.complete AS cluster_complete,
               coalesce(c.complete, true) AS counted,
               coalesce(CASE WHEN pop_weight THEN CASE WHEN year(pop_date) = year THEN pop END ELSE den END,
                        pop, population_now) AS w,
               CASE WHEN pop_weight THEN year(pop_date) IS DISTINCT FROM year ELSE den IS NULL END AS w_fallback
        FROM j LEFT JOIN clusters c USING (sid, year, cluster)
        WHERE j.keep
    ),
    g AS (
        SELECT {gkey}, any_value(kind) AS kind, any_value(scale) AS scale,
               count(*) AS n, count(value) AS n_with_value,
               sum(pop) AS population, max(pop_date) AS population_date,
               count(*) FILTER (WHERE pop_date IS NULL OR year(pop_date) <> year) AS n_population_earlier,
               max(reference_date) AS reference_date,
               sum(value) FILTER (WHERE counted) AS num_count,
               sum(num) FILTER (WHERE {counted_ratio}) AS num_derived,
               sum(den) FILTER (WHERE {counted_ratio}) AS den_derived,
               sum(value * w) FILTER (WHERE value IS NOT NULL) AS num_rate,
               sum(w) FILTER (WHERE value IS NOT NULL) AS den_rate,
               count(*) FILTER (WHERE NOT counted) AS n_excluded,
               count(*) FILTER (WHERE cluster_complete) AS n_cluster_units,
               count(DISTINCT cluster) FILTER (WHERE cluster_complete) AS n_clusters_complete,
               count(DISTINCT cluster) FILTER (WHERE NOT counted) AS n_clusters_excluded,
               count(*) FILTER (WHERE w_fallback AND value IS NOT NULL) AS n_weight_fallback
        FROM k GROUP BY {gkey}
    )
    SELECT sid, {(gsel + ',') if gsel else ''} year, n, n_with_value, population,
           CASE kind WHEN 'count' THEN num_count
                     WHEN 'derived' THEN num_derived / nullif(den_derived, 0) * scale
                     ELSE num_rate / nullif(den_rate, 0) END AS value,
           CASE kind WHEN 'count' THEN num_count WHEN 'derived' THEN num_derived ELSE NULL::DOUBLE END AS numerator,
           CASE kind WHEN 'count' THEN NULL::DOUBLE WHEN 'derived' THEN den_derived ELSE den_rate END AS denominator,
           n_excluded, n_weight_fallback, population_date, n_population_earlier, reference_date,
           n_cluster_units, n_clusters_complete, n_clusters_excluded
    FROM g ORDER BY {gkey}
    """
    df = _finish_many(wh.sql(sql, params), specs, level)
    rows: dict[tuple[str, int], list[int]] = {}
    for pos, key in enumerate(zip(df["indicator_id"], df["year"])):
        rows.setdefault(key, []).append(pos)
    empty = df.iloc[0:0].drop(columns=["weight_id", "approximate", "method_de", "method_en", "method",
                                       "indicator_id", "level"])
    out = {}
    for it in items:
        if it in rows:
            part = df.iloc[rows[it]].reset_index(drop=True)
            spec, kind, num_id, den_id, weight, _scale = specs[it]
            # scalar columns set per frame, as _finish sets them (their dtype follows the scalar)
            part["weight_id"] = weight if kind == "rate" else (den_id if kind == "derived" else None)
            for col in ("population_date", "reference_date"):   # text per frame: an all-empty one stays object
                part[col] = [str(v)[:10] if pd.notna(v) else None for v in part[col]]
            part["indicator_id"] = it[0]
            part["level"] = level
            out[it] = part
        else:   # no unit passes the filters: the frame group_aggregate gives
            spec, kind, num_id, den_id, weight, _scale = specs[it]
            out[it] = _finish(empty.copy(), spec, kind, num_id, den_id, weight, it[0], level, [it[1]])
    return out


def _finish_many(df: pd.DataFrame, specs: dict, level: str) -> pd.DataFrame:
    """_finish for the rows of many indicators at once (column `sid` names each row's indicator): the method
    columns built in one pass over the rows instead of one small frame per indicator (dates, weight_id,
    indicator_id and level are set per frame by group_aggregates)."""
    sids = df.pop("sid").astype(str).tolist()
    years = df["year"].astype(int).tolist()
    notes: dict[str, tuple] = {}
    approx, m_de, m_en, method = [], [], [], []
    for sid, year, r in zip(sids, years, df.itertuples()):
        spec, kind, num_id, den_id, weight, _scale = specs[(sid, year)]
        if sid not in notes:
            w_de = _spec_text(spec, "weight_note_de") or ("Bevölkerung" if weight == "population" else weight)
            w_en = _spec_text(spec, "weight_note_en") or ("population" if weight == "population" else weight)
            base = {"count": "Summe / sum",
                    "derived": f"Quotient der Summen / ratio of sums ({num_id} / {den_id})",
                    "rate": f"gewichtetes Mittel der veröffentlichten Quoten (Gewicht: {w_de}) / weighted by {w_en}"
                    }[kind]
            notes[sid] = (w_de, w_en, base)
        w_de, w_en, base = notes[sid]
        approx.append(bool(r.n_weight_fallback > 0) if kind == "rate" else False)
        m_de.append(_method(kind, num_id, den_id, w_de, r, "de"))
        m_en.append(_method(kind, num_id, den_id, w_en, r, "en"))
        method.append(base + (f" – Näherung / approximate ({r.n_weight_fallback} × Bevölkerung / population)"
                              if kind == "rate" and r.n_weight_fallback else "")
                      + (f" – {r.n_excluded} ausgeschlossen (Buchungscluster über Gruppen) / excluded (booking "
                         f"cluster split across groups)" if r.n_excluded else ""))
    df["weight_id"] = None                       # per indicator, set on each frame (group_aggregates)
    df["approximate"] = pd.Series(approx, index=df.index, dtype=bool)
    df["method_de"], df["method_en"], df["method"] = m_de, m_en, method
    df["indicator_id"] = sids
    df["level"] = level
    df["year"] = pd.Series(years, index=df.index, dtype=int)
    return df
