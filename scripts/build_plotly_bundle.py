"""Build the partial plotly.js bundle the dashboard serves instead of the full plotly.min.js (issue 11).

Why: dcc.Graph loads the full plotly.js 4.1.1 bundle (4.8 MB, 1.4 MB brotli) on every cold visit, yet the
app draws six trace types. This bundle has only those (scatter, scattergl, bar, box, scattermap,
choroplethmap; MapLibre comes with the map traces) plus the core (Plotly.toImage for PNG/SVG export,
Plotly.Plots.resize): 3.4 MB minified, ~0.7 MB brotli. dcc.Graph uses `window.Plotly` when it is defined and
then never requests the full bundle (dash/dcc: `window.Plotly || <script src=_dashPlotlyJSURL>`).

Reproducible: the npm versions are pinned in scripts/plotly_bundle/package.json + package-lock.json (plotly.js
4.1.1 = the version plotly 7.1.0 / dash 4.4.1 ship, MIT; maplibre-gl 6.9.0, BSD-3-Clause; esbuild 0.28.2). The
build installs them with `npm ci` into the git-ignored var/plotly-build and writes var/vendor/plotly-ia.min.js
plus precompressed .br/.gz copies (served as they are, see dashboard/app.py). Licence comments are kept at
the end of the file (esbuild legalComments=eof).

    python scripts/build_plotly_bundle.py          # needs node >= 20 and npm (registry or npm cache)
    python scripts/build_plotly_bundle.py --force  # rebuild although the inputs are unchanged
    python scripts/build_plotly_bundle.py --out /opt/ia/vendor/plotly-ia.min.js   # elsewhere (IA_PLOTLY_BUNDLE_FILE)

When the file is missing, or IA_PLOTLY_BUNDLE=full, the app falls back to Dash's full bundle.
"""
from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "scripts" / "plotly_bundle"
BUILD = ROOT / "var" / "plotly-build"
OUT = ROOT / "var" / "vendor" / "plotly-ia.min.js"
TRACES = ("scatter", "scattergl", "bar", "box", "scattermap", "choroplethmap")


def _npm_ci() -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    changed = False
    for name in ("package.json", "package-lock.json"):
        src, dst = SRC / name, BUILD / name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
            changed = True
    if changed or not (BUILD / "node_modules" / "plotly.js" / "package.json").exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=BUILD, check=True,
                       timeout=900)


def inputs_digest() -> str:
    """sha256 of what the bundle is made from (entry, build script, pinned versions): the bundle is rebuilt
    when it changes (e.g. entry.js's MapLibre worker prewarm), and not otherwise."""
    import hashlib
    h = hashlib.sha256()
    for name in ("entry.js", "build.mjs", "package.json", "package-lock.json"):
        h.update(name.encode() + b"\0" + (SRC / name).read_bytes())
    return h.hexdigest()


def build(out: Path = OUT, force: bool = False) -> Path:
    stamp = out.with_name(out.name + ".inputs")
    if not force and out.exists() and stamp.exists() and stamp.read_text().strip() == inputs_digest():
        return out
    if not shutil.which("node") or not shutil.which("npm"):
        raise SystemExit("node and npm are needed to build the partial plotly.js bundle")
    _npm_ci()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    subprocess.run(["node", str(SRC / "build.mjs"), str(BUILD / "node_modules"), str(SRC / "entry.js"), str(tmp)],
                   check=True, timeout=600)
    body = tmp.read_bytes()
    header = (f"/* plotly.js v4.1.1 partial bundle for the Integrationsatlas (traces: {', '.join(TRACES)}).\n"
              " * plotly.js: Copyright 2012-2026 Plotly, Inc., MIT licence. Built by scripts/build_plotly_bundle.py;\n"
              " * bundled third-party licence notices (maplibre-gl BSD-3-Clause, d3 ISC/BSD, ...) follow at the end. */\n")
    data = header.encode() + body
    tmp.write_bytes(data)
    tmp.replace(out)
    import brotli   # Flask-Compress dependency: always installed with the app
    out.with_name(out.name + ".br").write_bytes(brotli.compress(data, quality=11))
    out.with_name(out.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    stamp.write_text(inputs_digest() + "\n")
    return out


def default_out() -> Path:
    """IA_PLOTLY_BUNDLE_FILE (where the app looks) when the package is importable, else var/vendor/."""
    try:
        from etl.settings import get_settings
    except ImportError:
        return OUT
    return Path(get_settings().plotly_bundle_file)


if __name__ == "__main__":
    args = sys.argv[1:]
    out = Path(args[args.index("--out") + 1]).resolve() if "--out" in args else default_out()
    path = build(out, force="--force" in args)
    sizes = {p.suffix or "min.js": p.stat().st_size for p in (path, path.with_name(path.name + ".br"),
                                                              path.with_name(path.name + ".gz"))}
    print(f"{path}: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sizes.items()))
    sys.exit(0)
