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
from etl.settings import Settings, get_settings

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
        self.row_cap = int(self.settings.query_row_cap)
        self.timeout = float(self.settings.query_timeout)

    def identity(self) -> tuple:
        st = self.path.stat()
        return (str(self.path), st.st_mtime_ns, st.st_size, st.st_ino)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            ident = self.identity()
            if self._con is None or ident != self._identity:
                if self._con is not None:
                    self._con.close()
                self._con = connect_reader(self.path)
                self._identity = ident
            return self._con

    def sql(self, sql: str, params: dict | None = None, row_cap: int | None = None) -> pd.DataFrame:
        cap = row_cap or self.row_cap
        cur = self._connection().cursor()
        timer = threading.Timer(self.timeout, cur.interrupt)
        timer.start()
        try:
            body = sql.strip().rstrip(";")
            df = cur.execute(f"SELECT * FROM ({body}) LIMIT {cap + 1}", params or {}).df()
        except duckdb.InterruptException:
            raise QueryError(f"query took longer than {self.timeout:.0f} s and was stopped") from None
        finally:
            timer.cancel()
            cur.close()
        if len(df) > cap:
            raise QueryError(f"query returned more than {cap} rows; narrow the selection")
        return df


_WAREHOUSES: dict[str, Warehouse] = {}


def get_warehouse(settings: Settings | None = None) -> Warehouse:
    settings = settings or get_settings()
    key = str(settings.warehouse)
    if key not in _WAREHOUSES:
        _WAREHOUSES[key] = Warehouse(settings)
    return _WAREHOUSES[key]


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


def named(name: str, wh: Warehouse | None = None, **params) -> pd.DataFrame:
    """Run warehouse/queries/<name>.sql with DuckDB named parameters ($param); memoised per warehouse build."""
    wh = wh or get_warehouse()
    _WAREHOUSES.setdefault(str(wh.path), wh)
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
    df = _cached(wh.identity(), name, frozen)
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


def group_aggregate(indicator: str, level: str, year: int, by: list[str] | None = None,
                    filters: dict[str, list] | None = None, berlin_rule: str = "own",
                    wh: Warehouse | None = None) -> pd.DataFrame:
    """Group figures as ratio of sums with n and population.

    count   -> sum(value)
    derived -> sum(numerator) / sum(denominator) * scale over units where both exist; units flagged
               booked_elsewhere / includes_other_kreise are excluded from numerator and denominator
               and counted in n_excluded
    rate    -> sum(value * weight) / sum(weight): a weighted mean of published rates, labelled so
    """
    wh = wh or get_warehouse()
    check_selection(indicator, level, year, wh)
    if berlin_rule not in BERLIN_RULES:
        raise UnknownSelection(f"unknown Berlin rule {berlin_rule!r}; choose from: {', '.join(BERLIN_RULES)}")
    by = list(by or [])
    group_cols = [f"{_facet_sql(f)} AS {f}" for f in by]
    where, params = ["r.level = $level"], {"level": level, "indicator": indicator, "year": int(year),
                                           "berlin": BERLIN_RULES[berlin_rule]}
    for i, (facet, allowed) in enumerate((filters or {}).items()):
        col = _facet_sql(facet)
        if not allowed:
            continue
        names = []
        for j, val in enumerate(allowed):
            params[f"f{i}_{j}"] = str(val)
            names.append(f"$f{i}_{j}")
        where.append(f"CAST({col} AS VARCHAR) IN ({', '.join(names)})")
    spec = indicators(wh).set_index("indicator_id").loc[indicator]
    kind = spec["kind"]
    num_id = spec["numerator"] if kind == "derived" else indicator
    weight = spec["weight"] if isinstance(spec["weight"], str) and spec["weight"] else "population"
    den_id = spec["denominator"] if kind == "derived" else weight
    params.update({"num_id": num_id, "den_id": den_id})
    select_groups = ", ".join(group_cols)
    group_by = ", ".join(f for f in by)
    sql = f"""
    WITH r AS (
        SELECT r.*, CASE WHEN r.east_west = 'berlin' THEN $berlin ELSE r.east_west END AS east_west_rule
        FROM core.dim_region r
    ),
    units AS (
        SELECT r.ags, r.population {(', ' + select_groups) if select_groups else ''}
        FROM r WHERE {' AND '.join(where)}
    ),
    -- one value per unit and year: the year's latest Stichtag (Berlin's register counts are half-yearly)
    v AS (SELECT ags, value, flag FROM core.fact_observation
          WHERE indicator_id = $indicator AND level = $level AND year = $year
          QUALIFY row_number() OVER (PARTITION BY ags ORDER BY reference_date DESC) = 1),
    num AS (SELECT ags, value, flag FROM core.fact_observation
            WHERE indicator_id = $num_id AND level = $level AND year = $year
            QUALIFY row_number() OVER (PARTITION BY ags ORDER BY reference_date DESC) = 1),
    den AS (SELECT ags, value FROM core.fact_observation
            WHERE indicator_id = $den_id AND level = $level AND year = $year
            QUALIFY row_number() OVER (PARTITION BY ags ORDER BY reference_date DESC) = 1),
    den_any AS (  -- weights: same year if published, else the census/2024 population of the unit
        SELECT u.ags, coalesce(d.value, (SELECT value FROM core.fact_observation f
              WHERE f.indicator_id = 'population_census2022' AND f.level = $level AND f.ags = u.ags),
              u.population) AS w, d.value IS NULL AS w_fallback
        FROM units u LEFT JOIN den d USING (ags)
    ),
    j AS (
        SELECT u.*, v.value, v.flag, num.value AS num, num.flag AS num_flag, d.value AS den, w.w, w.w_fallback
        FROM units u LEFT JOIN v USING (ags) LEFT JOIN num USING (ags) LEFT JOIN den d USING (ags)
        LEFT JOIN den_any w USING (ags)
    )
    SELECT {(group_by + ',') if group_by else ''}
           count(*) AS n, count(value) AS n_with_value,
           sum(population) AS population,
           {'sum(value)' if kind == 'count' else
            "sum(num) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL AND coalesce(num_flag, '') NOT IN ('booked_elsewhere', 'includes_other_kreise')) / nullif(sum(den) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL AND coalesce(num_flag, '') NOT IN ('booked_elsewhere', 'includes_other_kreise')), 0) * " + str(float(spec['scale'] or 1))
            if kind == 'derived' else
            'sum(value * w) FILTER (WHERE value IS NOT NULL) / nullif(sum(w) FILTER (WHERE value IS NOT NULL), 0)'} AS value,
           {"sum(num) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL AND coalesce(num_flag, '') NOT IN ('booked_elsewhere', 'includes_other_kreise'))" if kind == 'derived' else 'sum(value)' if kind == 'count' else 'NULL::DOUBLE'} AS numerator,
           {"sum(den) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL AND coalesce(num_flag, '') NOT IN ('booked_elsewhere', 'includes_other_kreise'))" if kind == 'derived' else 'sum(w) FILTER (WHERE value IS NOT NULL)' if kind == 'rate' else 'NULL::DOUBLE'} AS denominator,
           count(*) FILTER (WHERE coalesce(num_flag, flag, '') IN ('booked_elsewhere', 'includes_other_kreise')) AS n_excluded,
           count(*) FILTER (WHERE w_fallback AND value IS NOT NULL) AS n_weight_fallback
    FROM j
    {('GROUP BY ' + group_by) if group_by else ''}
    {('ORDER BY ' + group_by) if group_by else ''}
    """
    df = wh.sql(sql, params)
    method = {"count": "Summe / sum",
              "derived": f"Quotient der Summen / ratio of sums ({num_id} / {den_id})",
              "rate": f"mit {den_id} gewichtetes Mittel der veröffentlichten Quoten / weighted by {den_id}"}[kind]
    df["method"] = method
    df["indicator_id"] = indicator
    df["level"] = level
    df["year"] = int(year)
    return df
