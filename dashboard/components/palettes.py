"""Colour-blind-safe palettes (viridis/cividis; ColorBrewer BuPu, PuOr, BrBG) sampled to k classes."""
from __future__ import annotations

from plotly import colors as pc

PALETTES = {
    "viridis": ("sequential", pc.sequential.Viridis),
    "cividis": ("sequential", pc.sequential.Cividis),
    "bupu": ("sequential", pc.sequential.BuPu),
    "puor": ("diverging", pc.diverging.PuOr),
    "brbg": ("diverging", pc.diverging.BrBG),
}
NO_DATA = "#d9d9d9"
NO_DATA_LINE = "#9a9a9a"
FACET_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]  # Okabe-Ito


def class_colours(palette: str, k: int) -> list[str]:
    """k colours from the palette, light to dark for sequential scales (low values light)."""
    _, scale = PALETTES.get(palette, PALETTES["viridis"])
    if k <= 0:
        return []
    if k == 1:
        return [pc.sample_colorscale(pc.make_colorscale(scale), [0.5])[0]]
    samples = pc.sample_colorscale(pc.make_colorscale(scale), [i / (k - 1) for i in range(k)])
    if palette in ("viridis", "cividis"):
        samples = list(reversed(samples))   # viridis runs dark→light; show high values dark
    return [_to_hex(c) for c in samples]


def _to_hex(c: str) -> str:
    if c.startswith("#"):
        return c
    nums = [float(x) for x in c[c.index("(") + 1:c.index(")")].split(",")[:3]]
    return "#" + "".join(f"{int(round(x)):02x}" for x in nums)
