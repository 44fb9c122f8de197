"""Every component id in one place, so callbacks and browser tests agree on names.

Controls shared by several pages (indicator, level, year, filters) get a page prefix via pid():
a callback whose inputs are only partly on the current page would fail in the browser."""


def pid(page: str, base: str) -> str:
    """Page-scoped id, e.g. pid('karte', INDICATOR) -> 'karte-ctl-indicator'."""
    return f"{page}-{base}"


def state_out(page: str) -> dict:
    """Page-local store the page's controls write the new query string to (pattern id, see app.apply_url)."""
    return {"type": "state-out", "page": page}


def nav_out(page: str) -> dict:
    """Page-local store for navigation requests {pathname, search} (search hit, map click)."""
    return {"type": "nav-out", "page": page}


# app shell
URL = "url"
ROUTE_STORE = "route-store"          # {"pathname", "search"} last rendered/written, stops router loops
PAGE = "page-content"
NAV = "nav"
NAV_LINK = "nav-link-{}"            # .format(page)
LANG_TOGGLE = "lang-toggle"
NOTICE = "notice"
GLOBAL_SEARCH = "global-search"

# shared controls
INDICATOR = "ctl-indicator"
YEAR = "ctl-year"
LEVEL = "ctl-level"
F_LAND = "f-land"
F_KT = "f-kommunaltyp"
F_GK = "f-size-scheme"
F_GR = "f-size"
F_EW = "f-east-west"
F_BR = "f-berlin-rule"
F_KTY = "f-kreistyp"
F_RESET = "f-reset"
FILTER_NOTE = "filter-note"

# map page
CLS = "map-classification"
K = "map-k"
PAL = "map-palette"
MAP = "map-graph"
LEGEND = "map-legend"
MAP_FOOTER = "map-footer"
MAP_TABLE = "map-table"
MAP_NOTICE = "map-notice"
MAP_ALT = "map-alt"
MAP_PAINT = "map-paint"        # store: per-interaction colours for assets/ia_map.js
MAP_CLICK = "map-click"        # store: set by assets/ia_map.js on click / Enter
MAP_STATUS = "map-status"      # error text from the clientside paint (empty when the map was drawn)
SEARCH = "map-search"

# table page
GRID = "table-grid"
BTN_CSV = "btn-csv"
BTN_XLSX = "btn-xlsx"
DOWNLOAD = "download"
TABLE_FOOTER = "table-footer"
TABLE_COUNT = "table-count"

# compare page
CMP_BY = "cmp-by"
CMP_SEL = "cmp-selection"
CMP_BARS = "cmp-bars"
CMP_GROUP_TABLE = "cmp-group-table"
CMP_DIST = "cmp-distribution"
CMP_X = "cmp-x"
CMP_Y = "cmp-y"
CMP_COL = "cmp-colour"
CMP_DIST_MODE = "cmp-dist-mode"
CMP_SCATTER = "cmp-scatter"
CMP_SCATTER_NOTE = "cmp-scatter-note"
CMP_TS = "cmp-timeseries"
CMP_SEL_TABLE = "cmp-selection-table"
CMP_FOOTER = "cmp-footer"

# profile page
PRO_SEARCH = "pro-search"
PRO_SIM = "pro-similar-indicators"
PRO_SIMILAR = "pro-similar"
PRO_TABLE = "pro-table"
PRO_MINIMAP = "pro-minimap"

# reach: share bar, citation, embed, phone navigation and drawer (components/reach.py, reach_app.py)
NAV_TOGGLER = "nav-toggler"
NAV_COLLAPSE = "nav-collapse"
SHARE_CTX = "ia-share-ctx"
SHARE_PANEL = "ia-share"
SHARE_COPY_LINK = "ia-copy-link"
SHARE_STATUS = "ia-share-status"
SHARE_PERMALINK = "ia-permalink"
SHARE_EMBED_CODE = "ia-embed-code"
SHARE_EMBED_LINK = "ia-embed-link"
SHARE_GEOJSON = "ia-geojson"
SHARE_CITATION = "ia-citation"
SHARE_BIBTEX = "ia-bibtex"
DRAWER_TOGGLE = "ia-drawer-toggle"
DRAWER_CLOSE = "ia-drawer-close"
EMBED_BACK = "ia-embed-back"

# capacity lens (/kapazitaet, pages/kapazitaet.py)
LENS_LEVEL, LENS_PX, LENS_CX, LENS_COL, LENS_SEL = "lens-level", "lens-pressure", "lens-capacity", "lens-colour", "lens-sel"
LENS_BX, LENS_BC, LENS_BP, LENS_PF = "lens-breaks-x", "lens-breaks-y", "lens-bv-palette", "lens-peer"
LENS_CZ, LENS_CG, LENS_SL, LENS_ING, LENS_WEIGHTS = "lens-std", "lens-std-group", "lens-share-land", "lens-ingredients", "lens-weights"
LENS_NOTICE, LENS_MISMATCH = "lens-notice", "lens-mismatch"
LENS_QUAD, LENS_QUAD_COUNTS, LENS_QUAD_TABLE = "lens-quadrant", "lens-quad-counts", "lens-quad-table"
LENS_MAP, LENS_MAP_WRAP, LENS_LEGEND, LENS_MAP_ALT = "lens-map", "lens-map-wrap", "lens-legend", "lens-map-alt"
LENS_MAP_STATUS, LENS_MAP_FOOTER, LENS_MAP_META = "lens-map-status", "lens-map-footer", "lens-map-meta"
LENS_MAP_PAINT, LENS_MAP_CLICK = "lens-map-paint", "lens-map-click"
LENS_CARD, LENS_CARD_HEAD, LENS_CARD_TABLE = "lens-card", "lens-card-head", "lens-card-table"
LENS_COMP, LENS_COMP_NOTE, LENS_COMP_TABLE = "lens-composite", "lens-comp-note", "lens-comp-table"
LENS_SHARE, LENS_SHARE_TABLE, LENS_SHARE_K, LENS_SHARE_K_TABLE = ("lens-share", "lens-share-table", "lens-share-kreis",
                                                                  "lens-share-kreis-table")
LENS_DOWNLOAD = "lens-download"
