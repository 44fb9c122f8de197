"""Map figures and the paint payload.

The Karte page draws through assets/ia_map.js: a Plotly map subplot (host_figure) carries a MapLibre
source with the content-hashed geometry asset, added once; `paint_payload()` computes the small
per-interaction arrays (class per unit, formatted value, flags, faded units) that recolour it via
feature-state. `base_figure()` is the plain Plotly choropleth used for the profile locator map.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import threading
from collections import OrderedDict

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..i18n import facet_label, fmt_date, fmt_numbers, t
from .palettes import NO_DATA, NO_DATA_LINE

CENTER = {"lat": 51.2, "lon": 10.45}
ZOOM = 4.95
FADED = 0.22
ON = 1.0


def base_figure(geojson_url: str, center: dict | None = None, zoom: float = ZOOM,
                height: int | None = None) -> go.Figure:
    """Static one-trace choropleth (profile locator map); geometry from the content-hashed asset URL."""
    # without an asset URL an empty collection keeps plotly from fetching "" (the page shows a notice)
    geojson = geojson_url or {"type": "FeatureCollection", "features": []}
    fig = go.Figure(go.Choroplethmap(geojson=geojson, featureidkey="id", locations=[], z=[], showscale=False,
                                     colorscale=[[0, NO_DATA], [1, NO_DATA]], hoverinfo="skip",
                                     marker=dict(line=dict(width=0.3, color=NO_DATA_LINE))))
    fig.update_layout(map=dict(style="white-bg", center=center or CENTER, zoom=zoom),
                      margin=dict(l=0, r=0, t=0, b=0), showlegend=False, paper_bgcolor="#ffffff",
                      **({"height": height} if height else {}))
    return fig


def host_figure(center: dict | None = None, zoom: float = ZOOM) -> dict:
    """Plotly map subplot with an empty trace: it hosts the MapLibre map that assets/ia_map.js paints
    (geometry source added once, colours via feature-state). A figure dict (what dcc.Graph is sent), built and
    validated once per centre and zoom: go.Figure's validation took ~15 ms of every Karte page build."""
    c = center or CENTER
    return copy.deepcopy(_host_figure(float(c["lat"]), float(c["lon"]), float(zoom)))


@functools.lru_cache(maxsize=8)
def _host_figure(lat: float, lon: float, zoom: float) -> dict:
    fig = go.Figure(go.Scattermap(lat=[], lon=[], hoverinfo="skip", showlegend=False))
    fig.update_layout(map=dict(style="white-bg", center={"lat": lat, "lon": lon}, zoom=zoom),
                      margin=dict(l=0, r=0, t=0, b=0), showlegend=False, uirevision="map", paper_bgcolor="#ffffff")
    return fig.to_plotly_json()


def units_key(ags: list[str], lang: str) -> str:
    """Names the unit list (and the language of its labels) a payload is aligned to, so the browser can
    reuse the one it has."""
    return hashlib.sha1(("\n".join(ags) + "\n" + lang).encode()).hexdigest()[:12]


def hover_labels(lang: str) -> dict:
    return {"kommunaltyp": t("hover_kommunaltyp", lang), "size": t("hover_size", lang),
            "value": t("hover_value", lang), "flag": t("hover_flag", lang), "date": t("hover_date", lang),
            "missing": t("missing_value", lang), "click": t("click_to_profile", lang), "tap": t("tap_to_profile", lang),
            "error": t("map_paint_error", lang)}


def paint_payload(df: pd.DataFrame, class_idx: np.ndarray, mask: np.ndarray, colours: list[str], lang: str,
                  unit: str, geo_url: str, browser_units_key: str | None, graph: str, click_target: str,
                  tiles: str | None = None, units_version=None) -> dict:
    """What the browser needs to recolour the map, aligned to df's rows (one per unit of the level).

    Per interaction: class per unit (-1 = no value), formatted value (the unit once, in `unit`), flags only
    where set, indices of filtered-out units, one reference date when all agree. Names, Kommunaltyp and size
    class (the "units"; the two facets as codes into a label list) travel only when the browser does not hold
    them yet (browser_units_key differs: first paint, level or language change). `tiles` = the vector tile
    URL template of the geometry (None: the GeoJSON asset `geo` is the source). `units_version`: names the
    region attributes df's units carry (the warehouse build): the units block is then kept per units_key and
    version instead of being rebuilt for every indicator."""
    ags = df["ags"].astype(str).tolist()
    p = {"geo": geo_url, "tiles": tiles, "graph": graph, "click_target": click_target,
         "units_key": units_key(ags, lang),
         "cls": np.asarray(class_idx, dtype=int).tolist(), "colours": colours, "opacity": [ON, FADED],
         "fade": np.flatnonzero(~np.asarray(mask, dtype=bool)).tolist(),
         "v": fmt_numbers(df["value"].tolist(), lang), "unit": unit or "",
         "flags": {i: str(f) for i, f in enumerate(df["flag"]) if isinstance(f, str) and f},
         "date": _dates(df["reference_date"], lang), "labels": hover_labels(lang)}
    if p["units_key"] != browser_units_key:
        p.update(_units_block(df, ags, lang, None if units_version is None else (p["units_key"], units_version)))
    return p


_UNITS_MEMO: OrderedDict = OrderedDict()
_UNITS_LOCK = threading.Lock()


def _units_block(df: pd.DataFrame, ags: list[str], lang: str, key=None) -> dict:
    """Names, Kommunaltyp and size class codes of df's units. The same for every indicator of a level: with a
    key (units_key and the build the region attributes come from) kept, else built; callers must not change it."""
    if key is not None:
        with _UNITS_LOCK:
            hit = _UNITS_MEMO.get(key)
        if hit is not None:
            return hit
    none = pd.Series([None] * len(df), index=df.index, dtype=object)   # an empty selection has no facets
    size = df.get("size_class", none)
    size_col = size.where(size.notna(), df.get("size_class_fine"))
    size_facet = np.where(size.notna(), "size_class", "size_class_fine")
    kt_codes, kt_labels = _facet_codes(df.get("kommunaltyp", none).tolist(),
                                       lambda k: facet_label("kommunaltyp", k, lang))
    size_codes, size_labels = _facet_codes(list(zip(size_col.tolist(), size_facet.tolist())),
                                           lambda sf: facet_label(sf[1], sf[0], lang))
    block = dict(ags=ags, name=df["name"].astype(str).tolist(), kt=kt_codes, kt_labels=kt_labels,
                 size=size_codes, size_labels=size_labels)
    if key is not None:
        with _UNITS_LOCK:
            _UNITS_MEMO[key] = block
            while len(_UNITS_MEMO) > 12:          # 3 levels x 2 languages, twice
                _UNITS_MEMO.popitem(last=False)
    return block


UNIT_KEYS = ("ags", "name", "kt", "kt_labels", "size", "size_labels")


def paint_digest(p: dict) -> str:
    """Names what a payload paints, whether or not it carries the units (those the browser may hold already):
    the page layout's first payload and update_map's first answer compare equal, so the map paints once."""
    import json
    body = {k: v for k, v in p.items() if k not in UNIT_KEYS}
    return hashlib.sha1(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _dates(dates: pd.Series, lang: str) -> str | list[str]:
    """One formatted reference date when all units share it, else one per unit ('–' for none); each distinct
    date is formatted once."""
    codes, uniq = pd.factorize(dates, use_na_sentinel=True)
    labels = [fmt_date(u, lang) for u in uniq]
    if len(labels) == 1 and (codes >= 0).all():
        return labels[0]
    return [labels[c] if c >= 0 else "–" for c in codes.tolist()]


def _codes(labels: list[str]) -> tuple[list[int], list[str]]:
    """Labels as indices into their distinct values (11,000 × 'kreisangehörige Gemeinde' → 11,000 small ints)."""
    uniq: dict[str, int] = {}
    codes = [uniq.setdefault(x, len(uniq)) for x in labels]
    return codes, list(uniq)


def _facet_codes(values: list, label_of) -> tuple[list[int], list[str]]:
    """_codes of the units' facet labels, each distinct value labelled once (11,000 Gemeinden have ~10 distinct
    values: 22,000 facet_label calls took ~40 ms of a first map payload). Same codes and label order as labelling
    every unit: labels in the order of their first unit."""
    nan = float("nan")
    raw_codes, raw = _codes([nan if isinstance(v, float) and v != v else v for v in values])   # one NaN, not one each
    label_codes, labels = _codes([label_of(v) for v in raw])
    return [label_codes[c] for c in raw_codes], labels


TRANSPORT_MIN = 256         # lists at least this long travel as numpy arrays (for_transport)


def for_transport(p: dict | None):
    """The payload as Dash sends it: long lists of ints or strings as numpy arrays. Why: a callback answer that
    holds Dash components (the legend) cannot go through orjson directly, so plotly's JSON encoder walks the
    whole answer in Python, one call per list item (~66,000 for the Gemeinde map, ~30-40 ms); numpy arrays it
    takes whole. The JSON is the same. Compare payloads (paint_digest) before this, not after."""
    if not isinstance(p, dict):
        return p
    out = dict(p)
    for k, v in p.items():
        if isinstance(v, list) and len(v) >= TRANSPORT_MIN:
            kinds = set(map(type, v))       # only all-int or all-str lists: numpy would coerce mixed ones
            if kinds == {int}:
                out[k] = np.asarray(v, dtype=np.int64)
            elif kinds == {str}:
                out[k] = np.asarray(v, dtype=str)
    return out


def value_label(p: dict, i: int) -> str:
    """The hover card's value text of unit i, as assets/ia_map.js builds it (number and unit)."""
    v = p["v"][i]
    return f"{v} {p['unit']}".strip() if p.get("unit") and v != p["labels"]["missing"] else v
