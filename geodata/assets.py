"""Client geometry assets: coverage simplification, coordinate quantisation, compact GeoJSON, content hashes.

Why GeoJSON and not TopoJSON: Plotly's choropleth_map takes a GeoJSON URL directly, so the browser
needs no decoder. Shared borders stay shared because (1) the simplifier works on the whole
coverage at once (shapely.coverage_simplify keeps common edges identical) and (2) quantisation
rounds every vertex onto the same grid, so identical vertices stay identical. The file name
carries the sha256 of its bytes, so it can be cached forever.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer

# Metres in EPSG:3035; VG5000 is already generalised for 1:5 Mio. (vertices ~1 km apart), so
# these remove only what is invisible at a Germany-wide zoom.
TOLERANCE_M = {"gemeinde": 500.0, "kreis": 800.0, "land": 1200.0}
DECIMALS = 4           # 1e-4° ≈ 11 m north-south, 7 m east-west
ASSET_VERSION = "2"    # bump when the writer changes, so cached outputs are not reused
LEVELS = ("land", "kreis", "gemeinde")

_TO_LAEA = Transformer.from_crs(4326, 3035, always_xy=True)
_TO_WGS = Transformer.from_crs(3035, 4326, always_xy=True)


def _tf(transformer: Transformer, geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def to_laea(geoms: np.ndarray) -> np.ndarray:
    return _tf(_TO_LAEA, geoms)


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    return _tf(_TO_WGS, geoms)


def simplify_coverage(geoms_wgs84: np.ndarray, level: str) -> np.ndarray:
    """Topology-preserving simplification (metric tolerance) + quantisation; returns EPSG:4326 geometries."""
    laea = to_laea(np.asarray(geoms_wgs84, dtype=object))
    simple = shapely.coverage_simplify(laea, TOLERANCE_M[level], simplify_boundary=True)
    wgs = to_wgs84(simple)
    q = shapely.set_precision(wgs, 10.0 ** -DECIMALS, mode="pointwise")
    q = shapely.orient_polygons(q)  # RFC 7946: exterior rings counter-clockwise
    return q


def _compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def feature_collection(ids: list[str], geoms: np.ndarray, meta: dict | None = None,
                       props: list[dict | None] | None = None) -> bytes:
    """Compact GeoJSON: feature id = AGS (Plotly featureidkey 'id'), properties only where given (else {}),
    no whitespace. `meta` (e.g. the source edition) becomes foreign members of the collection (RFC 7946 §6.1)."""
    texts = shapely.to_geojson(geoms)
    props = props or [None] * len(ids)
    parts = [f'{{"type":"Feature","id":{json.dumps(i)},"properties":{_compact(p or {})},"geometry":{t}}}'
             for i, t, p in zip(ids, texts, props)]
    head = "".join(f"{json.dumps(k)}:{_compact(v)}," for k, v in (meta or {}).items())
    return ('{"type":"FeatureCollection",' + head + '"features":[' + ",".join(parts) + "]}").encode("utf-8")


def input_key(level: str, ids: list[str], wkbs: list[bytes], meta: dict | None = None,
              props: list[dict | None] | None = None) -> str:
    h = hashlib.sha256(f"{ASSET_VERSION}|{level}|{TOLERANCE_M[level]}|{DECIMALS}|{_compact(meta or {})}".encode())
    h.update(_compact(props or []).encode())
    for i, w in zip(ids, wkbs):
        h.update(i.encode())
        h.update(w)
    return h.hexdigest()


@dataclass
class Asset:
    level: str
    filename: str
    sha256: str
    bytes: int
    gzip_bytes: int
    features: int


def build_asset(level: str, ids: list[str], wkbs: list[bytes], asset_dir: Path, cache_dir: Path | None,
                meta: dict | None = None, props: list[dict | None] | None = None) -> Asset:
    """Write <level>.<sha12>.json and its precompressed .gz and .br (reusing a cached body for unchanged input)."""
    body = None
    cached = None
    if cache_dir is not None:
        cached = cache_dir / f"{level}-{input_key(level, ids, wkbs, meta, props)}.json"
        if cached.exists():
            body = cached.read_bytes()
    if body is None:
        geoms = shapely.from_wkb(np.asarray(wkbs, dtype=object))
        body = feature_collection(ids, simplify_coverage(geoms, level), meta, props)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".part")
            tmp.write_bytes(body)
            tmp.replace(cached)
    digest = hashlib.sha256(body).hexdigest()
    name = f"{level}.{digest[:12]}.json"
    asset_dir.mkdir(parents=True, exist_ok=True)
    path = asset_dir / name
    gz_path = asset_dir / (name + ".gz")
    if not path.exists():
        _atomic_write(path, body)
    if not gz_path.exists():
        # mtime=0: the same body always gives the same .gz bytes
        _atomic_write(gz_path, gzip.compress(body, compresslevel=9, mtime=0))
    write_brotli(path, body)
    return Asset(level, name, digest, len(body), gz_path.stat().st_size, len(ids))


def write_brotli(path: Path, body: bytes | None = None) -> Path | None:
    """<asset>.br next to the .gz (brotli 10: Gemeinden 0.60 MB instead of 0.76 MB gzip, issue 11); once per
    content hash, skipped when brotli is not installed (the .gz is served then). Quality 10, not 11: 3.9 s instead of
    9.3 s CPU for the Gemeinden in every fresh build (the ≤ 60 s build budget) for 40 KB more on the wire."""
    br_path = path.with_name(path.name + ".br")
    if br_path.exists():
        return br_path
    try:
        import brotli
    except ImportError:
        return None
    _atomic_write(br_path, brotli.compress(body if body is not None else path.read_bytes(), quality=10))
    return br_path


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
