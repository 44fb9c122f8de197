"""The whole view state lives in the URL: parse a query string into a validated AppState, serialise it back.

Pure functions (no Dash, no warehouse) so the rules can be unit-tested: every parameter has a
default, anything invalid or stale (an indicator that no longer exists, a year without values)
falls back to the default and yields a notice instead of an error page. Defaults are left out
of the serialised URL so permalinks stay short.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from urllib.parse import parse_qs, urlencode

LEVELS = ("gemeinde", "kreis", "land")
CLASSIFICATIONS = ("quantiles", "fisher_jenks", "equal_interval")
PALETTES = ("viridis", "cividis", "bupu", "puor", "brbg")
BERLIN_RULES = ("west", "east", "own")
DIST_MODES = ("box", "swarm")       # distribution chart on Compare: box plot or beeswarm
SIZE_SCHEMES = ("bbsr", "fine")
KOMMUNALTYPEN = ("kreisfreie_stadt", "landkreis", "kreisangehoerige_gemeinde", "stadtstaat", "gemeindefreies_gebiet")
SIZE_CLASSES = ("grossstadt", "mittelstadt", "kleinstadt", "landgemeinde")
SIZE_CLASSES_FINE = ("ge500k", "100k_500k", "50k_100k", "20k_50k", "5k_20k", "lt5k", "lk_ge150k", "lk_lt150k")
EAST_WEST = ("west", "east", "berlin")
KREISTYPEN = ("1", "2", "3", "4")
TABS = ("chart", "map", "table")   # tab= of views with tabs (components/tabs.py); a view without it shows its first
FACETS = ("size_class", "size_class_fine", "east_west", "kommunaltyp", "land", "bbsr_kreistyp")
K_MIN, K_MAX, K_DEFAULT = 3, 9, 5
MAX_SELECTION = 8
# preferred default indicators, first one with values wins (configuration, not data)
DEFAULT_INDICATORS = ("immigration_history_share", "protection_seekers_per_1000", "foreigners_share", "population")

_AGS = re.compile(r"^(\d{2}|\d{5}|\d{8})$")
_LAND = re.compile(r"^\d{2}$")

PAGES = {"karte": "/", "vergleich": "/vergleich", "tabelle": "/tabelle", "daten": "/daten", "status": "/status",
         "kapazitaet": "/kapazitaet"}


@dataclass(frozen=True)
class AppState:
    lang: str = "de"
    ind: str = ""
    year: int | None = None
    level: str = "gemeinde"
    land: tuple[str, ...] = ()
    kt: tuple[str, ...] = ()
    gk: str = "bbsr"
    gr: tuple[str, ...] = ()
    ew: tuple[str, ...] = ()
    br: str = "west"
    kty: tuple[str, ...] = ()
    cls: str = "quantiles"
    k: int = K_DEFAULT
    pal: str = "viridis"
    sel: tuple[str, ...] = ()
    by: tuple[str, ...] = ("size_class", "east_west")
    x: str = ""
    y: str = ""
    col: str = "east_west"
    dist: str = "box"
    sim: tuple[str, ...] = ()
    # capacity lens (/kapazitaet): level, pressure/capacity indicator, bivariate breaks and palette, peer facet,
    # composite items 'ind:weight[:+|-]', standardisation, its group facet, Land of the Kreis breakdown
    ll: str = "kreis"
    px: str = ""
    cx: str = ""
    bx: str = ""
    bc: str = ""
    bp: str = "puor"
    pf: str = ""
    cw: tuple[str, ...] = ()
    cz: str = "z"
    cg: str = ""
    sl: str = ""
    # chart / map / table tab of a view (components/tabs.py); "" = the view's first tab
    tab: str = ""

    def filters(self) -> dict[str, list[str]]:
        """Active facet filters in the form warehouse.queries.group_aggregate expects."""
        out: dict[str, list[str]] = {}
        if self.land:
            out["land"] = list(self.land)
        if self.kt:
            out["kommunaltyp"] = list(self.kt)
        if self.gr:
            out["size_class" if self.gk == "bbsr" else "size_class_fine"] = list(self.gr)
        if self.ew:
            out["east_west"] = list(self.ew)
        if self.kty:
            out["bbsr_kreistyp"] = list(self.kty)
        return out

    def with_(self, **changes) -> "AppState":
        return replace(self, **changes)


DEFAULT = AppState()
_LIST_FIELDS = {f.name for f in fields(AppState) if f.type.startswith("tuple")}


@dataclass
class Catalogue:
    """What validation needs to know about the warehouse: availability per indicator and the Länder."""
    available: dict[str, dict[str, list[int]]] = field(default_factory=dict)   # ind -> level -> years
    lands: tuple[str, ...] = ()

    def default_indicator(self) -> str:
        for ind in DEFAULT_INDICATORS:
            if self.available.get(ind):
                return ind
        with_values = [i for i, a in self.available.items() if a]
        return sorted(with_values)[0] if with_values else (sorted(self.available)[0] if self.available else "")

    def default_level(self, ind: str) -> str:
        have = self.available.get(ind, {})
        for lvl in LEVELS:
            if have.get(lvl):
                return lvl
        return "gemeinde"

    def latest_year(self, ind: str, level: str) -> int | None:
        years = self.available.get(ind, {}).get(level) or []
        return max(years) if years else None


def _split(raw: str) -> list[str]:
    return [p.strip() for p in raw.split(",") if p.strip()]


def parse(query: str | None, cat: Catalogue) -> tuple[AppState, list[str]]:
    """Query string (with or without '?') → (valid state, notices about what was replaced).

    Notices are short English/German-neutral codes + values, translated by the caller:
    ("param", "value") pairs joined as 'param=value'.
    """
    raw = parse_qs((query or "").lstrip("?"), keep_blank_values=False)
    get = {k: v[-1] for k, v in raw.items()}
    notices: list[str] = []
    st = DEFAULT
    changes: dict = {}

    def bad(name: str, value: str) -> None:
        notices.append(f"{name}={value}")

    # language
    lang = get.get("lang", "de")
    if lang not in ("de", "en"):
        bad("lang", lang)
        lang = "de"
    changes["lang"] = lang

    # indicator / level / year depend on each other
    ind = get.get("ind", "")
    if not ind or ind not in cat.available:
        if ind:
            bad("ind", ind)
        ind = cat.default_indicator()
    elif not cat.available.get(ind):
        bad("ind", ind)
        ind = cat.default_indicator()
    changes["ind"] = ind
    level = get.get("level", "")
    if level and (level not in LEVELS or not cat.available.get(ind, {}).get(level)):
        bad("level", level)
        level = ""
    level = level or cat.default_level(ind)
    changes["level"] = level
    year_raw = get.get("year", "")
    year = None
    if year_raw:
        try:
            year = int(year_raw)
        except ValueError:
            year = None
        if year is None or year not in (cat.available.get(ind, {}).get(level) or []):
            bad("year", year_raw)
            year = None
    changes["year"] = year if year is not None else cat.latest_year(ind, level)

    def choice(name: str, allowed) -> str:
        """One value from `allowed`, else the default with a notice."""
        v = get.get(name, getattr(DEFAULT, name))
        if v not in allowed:
            bad(name, v)
            v = getattr(DEFAULT, name)
        return v

    # list filters: keep valid members, report invalid ones
    def list_param(name: str, allowed, cap: int | None = None) -> tuple[str, ...]:
        vals = _split(get.get(name, ""))
        good = []
        for v in vals:
            ok = v in allowed if not callable(allowed) else allowed(v)
            if ok and v not in good:
                good.append(v)
            elif not ok:
                bad(name, v)
        if cap is not None and len(good) > cap:
            bad(name, ",".join(good[cap:]))
            good = good[:cap]
        return tuple(good)

    lands = set(cat.lands) if cat.lands else None
    changes["land"] = list_param("land", (lambda v: v in lands) if lands else (lambda v: bool(_LAND.match(v))))
    changes["kt"] = list_param("kt", KOMMUNALTYPEN)
    changes["gk"] = gk = choice("gk", SIZE_SCHEMES)
    changes["gr"] = list_param("gr", SIZE_CLASSES if gk == "bbsr" else SIZE_CLASSES_FINE)
    changes["br"] = br = choice("br", BERLIN_RULES)
    changes["ew"] = list_param("ew", EAST_WEST if br == "own" else ("west", "east"))
    changes["kty"] = list_param("kty", KREISTYPEN)

    changes["cls"] = choice("cls", CLASSIFICATIONS)
    k_raw = get.get("k", str(DEFAULT.k))
    try:
        k = int(k_raw)
        if not K_MIN <= k <= K_MAX:
            raise ValueError
    except ValueError:
        bad("k", k_raw)
        k = DEFAULT.k
    changes["k"] = k
    changes["pal"] = choice("pal", PALETTES)

    changes["sel"] = list_param("sel", lambda v: bool(_AGS.match(v)), cap=MAX_SELECTION)
    if "by" in get:   # nothing valid left → the default grouping (an empty 'by' cannot be written to the URL)
        changes["by"] = list_param("by", FACETS, cap=2) or DEFAULT.by
    for axis in ("x", "y"):
        v = get.get(axis, "")
        if v and not cat.available.get(v):
            bad(axis, v)
            v = ""
        changes[axis] = v
    changes["col"] = choice("col", FACETS)
    changes["dist"] = choice("dist", DIST_MODES)
    changes["sim"] = list_param("sim", lambda v: bool(cat.available.get(v)))
    changes.update(_parse_lens(get, cat, bad, choice, list_param))
    changes["tab"] = choice("tab", ("",) + TABS)
    return replace(st, **changes), notices


LENS_LEVELS = ("kreis", "gemeinde")
LENS_PALETTES = ("puor", "gnbu")
LENS_STANDARDISE = ("z", "pct")
_BREAKS = re.compile(r"^-?[0-9.]+,-?[0-9.]+$")
_COMPOSITE_ITEM = re.compile(r"^[a-z0-9_]+:[0-9.]+(:[+-])?$")


def _parse_lens(get: dict, cat: Catalogue, bad, choice, list_param) -> dict:
    """The capacity lens parameters; indicators must have values at the lens level (ll)."""
    out = {"ll": choice("ll", LENS_LEVELS)}
    for name in ("px", "cx"):
        v = get.get(name, "")
        if v and not cat.available.get(v, {}).get(out["ll"]):
            bad(name, v)
            v = ""
        out[name] = v
    for name in ("bx", "bc"):
        v = get.get(name, "")
        if v and not _BREAKS.match(v):
            bad(name, v)
            v = ""
        out[name] = v
    out["bp"] = choice("bp", LENS_PALETTES)
    out["pf"] = choice("pf", ("",) + FACETS) if get.get("pf") else ""
    out["cw"] = list_param("cw", lambda v: bool(_COMPOSITE_ITEM.match(v)) and bool(
        cat.available.get(v.split(":")[0], {}).get(out["ll"])), cap=8)
    out["cz"] = choice("cz", LENS_STANDARDISE)
    out["cg"] = choice("cg", ("",) + FACETS) if get.get("cg") else ""
    sl = get.get("sl", "")
    if sl and not (_LAND.match(sl) and (not cat.lands or sl in cat.lands)):
        bad("sl", sl)
        sl = ""
    out["sl"] = sl
    return out


def serialise(state: AppState, cat: Catalogue | None = None) -> str:
    """AppState → '?a=b&…' with defaults omitted (the indicator's latest year counts as default)."""
    d = asdict(state)
    out: list[tuple[str, str]] = []
    default_ind = cat.default_indicator() if cat else None
    for f in fields(AppState):
        v = d[f.name]
        default = getattr(DEFAULT, f.name)
        if f.name == "ind" and cat is not None and v == default_ind:
            continue
        if f.name == "level" and cat is not None and v == cat.default_level(state.ind):
            continue
        if f.name == "year" and cat is not None and v == cat.latest_year(state.ind, state.level):
            continue
        if f.name in _LIST_FIELDS:
            v = tuple(v)
            if v == tuple(default):
                continue
            out.append((f.name, ",".join(map(str, v))))
            continue
        if v == default or v is None or v == "":
            continue
        out.append((f.name, str(v)))
    return ("?" + urlencode(out, safe=",:")) if out else ""


class CraftedInput(ValueError):
    """A callback input that no control can produce (a crafted request): rejected before any query runs.
    The guard (callbacks_util.guard) logs one line without a trace and shows the `input_rejected` notice."""

    def __init__(self, name: str, value):
        self.name, self.value = name, value
        text = repr(value)
        super().__init__(f"{name}={text if len(text) <= 80 else text[:77] + '...'}")


_WORD = re.compile(r"^[a-z0-9_]{1,64}$")
MAX_LIST = 64          # no control holds more members (the selection is capped at MAX_SELECTION later)


def _indicator_ok(v: str, cat: Catalogue) -> bool:
    return v in cat.available if cat.available else bool(_WORD.match(v))


def _land_ok(v: str, cat: Catalogue) -> bool:
    return v in cat.lands if cat.lands else bool(_LAND.match(v))


def _one_of(*allowed):
    return lambda v, cat: v in allowed


_SCALAR_RULES = {     # AppState field → allow-list of a control value (a str); "" = the field's empty default
    "lang": _one_of("de", "en"), "level": _one_of(*LEVELS), "gk": _one_of(*SIZE_SCHEMES),
    "br": _one_of(*BERLIN_RULES), "cls": _one_of(*CLASSIFICATIONS), "pal": _one_of(*PALETTES),
    "col": _one_of(*FACETS), "dist": _one_of(*DIST_MODES), "tab": _one_of("", *TABS),
    "ll": lambda v, cat: v in LENS_LEVELS, "bp": lambda v, cat: v in LENS_PALETTES,
    "cz": lambda v, cat: v in LENS_STANDARDISE, "pf": _one_of("", *FACETS), "cg": _one_of("", *FACETS),
    "ind": lambda v, cat: v == "" or _indicator_ok(v, cat), "x": lambda v, cat: v == "" or _indicator_ok(v, cat),
    "y": lambda v, cat: v == "" or _indicator_ok(v, cat), "px": lambda v, cat: v == "" or _indicator_ok(v, cat),
    "cx": lambda v, cat: v == "" or _indicator_ok(v, cat), "sl": lambda v, cat: v == "" or _land_ok(v, cat),
    "bx": lambda v, cat: len(v) <= 200, "bc": lambda v, cat: len(v) <= 200,   # free text fields: parsed later
}
_LIST_RULES = {       # AppState list field → allow-list of one member
    "land": _land_ok, "kt": _one_of(*KOMMUNALTYPEN), "gr": _one_of(*SIZE_CLASSES, *SIZE_CLASSES_FINE),
    "ew": _one_of(*EAST_WEST), "kty": _one_of(*KREISTYPEN), "by": _one_of(*FACETS),
    "sel": lambda v, cat: bool(_AGS.match(v)), "sim": _indicator_ok,
    "cw": lambda v, cat: bool(_COMPOSITE_ITEM.match(v)) and _indicator_ok(v.split(":")[0], cat),
}


def _integer(name: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise CraftedInput(name, v)
    try:
        f = float(v)
        if f != int(f):
            raise ValueError
        return int(f)
    except (TypeError, ValueError, OverflowError):
        raise CraftedInput(name, v) from None


def control_value(name: str, v, cat: Catalogue):
    """One raw control value for AppState field `name`, checked against the field's allow-list: the value (lists
    as tuples of str), None for a cleared control, or CraftedInput for anything no control can hold (a year
    outside the catalogue, k outside 3–9, an unknown level, indicator or palette, a list where a string belongs,
    a malformed AGS, …). Nothing is coerced silently, so no crafted value reaches a query."""
    if name in _LIST_FIELDS:
        if v is None or v == "":
            return ()
        items = [v] if isinstance(v, str) else v     # a multi dropdown may hand over one value as a scalar
        if not isinstance(items, (list, tuple)) or len(items) > MAX_LIST:
            raise CraftedInput(name, v)
        out = []
        for x in items:
            if isinstance(x, bool) or not isinstance(x, (str, int)):
                raise CraftedInput(name, v)
            x = str(x)
            if not _LIST_RULES[name](x, cat):
                raise CraftedInput(name, x)
            out.append(x)
        return tuple(out)
    if v is None:
        if name == "ind":           # the indicator dropdowns cannot be cleared
            raise CraftedInput(name, v)
        return None
    if name == "year":
        y = _integer(name, v)
        years = {y_ for a in cat.available.values() for ys in a.values() for y_ in ys}
        if not (y in years if years else 1800 <= y <= 2200):
            raise CraftedInput(name, v)
        return y
    if name == "k":
        k = _integer(name, v)
        if not K_MIN <= k <= K_MAX:
            raise CraftedInput(name, v)
        return k
    rule = _SCALAR_RULES.get(name)
    if rule is None:
        raise KeyError(f"no control rule for AppState field {name!r}")
    if not isinstance(v, str) or not rule(v, cat):
        raise CraftedInput(name, v)
    return v


def from_controls(base: AppState, cat: Catalogue | None = None, **values) -> AppState:
    """Merge raw control values (lists from checklists/dropdowns, None for cleared) into a state.

    With the catalogue, every value is first checked by `control_value` (CraftedInput for values no control can
    hold); without it (unit tests of pure state code) values are only normalised."""
    changes = {}
    for name, v in values.items():
        if cat is not None:
            v = control_value(name, v, cat)
        if name in _LIST_FIELDS:
            v = v if isinstance(v, (list, tuple)) else ([] if v in (None, "") else [v])   # a crafted scalar
            changes[name] = tuple(str(x) for x in v)
        elif name in ("year", "k"):
            try:   # a crafted request may send anything; the URL parse then reports what it replaced
                changes[name] = int(v) if v not in (None, "") else getattr(base, name)
            except (TypeError, ValueError, OverflowError):
                changes[name] = getattr(base, name)
        else:
            changes[name] = v if v is not None else getattr(DEFAULT, name)
    return replace(base, **changes)


# -- routes -------------------------------------------------------------------------------------

_PROFILE = re.compile(r"^/(gemeinde|kreis|land)/([0-9]{2,8})/?$")


def route(pathname: str | None) -> tuple[str, dict]:
    """pathname → (page name, path variables); unknown paths → ('notfound', {})."""
    p = (pathname or "/").rstrip("/") or "/"
    for name, path in PAGES.items():
        if p == path:
            return name, {}
    if p == "/profil":
        return "profil", {}
    m = _PROFILE.match(p)
    if m:
        return "profil", {"level": m.group(1), "ags": m.group(2)}
    return "notfound", {}


def profile_path(level: str, ags: str) -> str:
    return f"/{level}/{ags}"
