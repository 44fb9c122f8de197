"""The first-visit precomputations on the real warehouse equal what they replace: the Sources coverage's batched
group figures (warehouse.queries.group_aggregates) = one group_aggregate per indicator, and the profiles' peer
ranks precomputed per level (dashboard.data.warm_peer_ranks) = unit_peer_ranks.sql per unit."""
from __future__ import annotations

import pandas as pd
import pytest

from warehouse import queries as q

ITEMS = {"kreis": ["protection_seekers_per_1000", "unemployment_rate", "population", "foreigners_share",
                   "childcare_rate_under3"],
         "gemeinde": ["population", "foreigners_share", "immigration_history_share"]}


@pytest.fixture(scope="module")
def latest(real_warehouse):
    from dashboard import data
    cat = data.catalogue()
    return {lvl: [(i, cat.latest_year(i, lvl)) for i in inds if cat.latest_year(i, lvl)] for lvl, inds in ITEMS.items()}


@pytest.mark.parametrize("level", ["kreis", "gemeinde"])
@pytest.mark.parametrize("filters,berlin", [({}, "west"), ({"east_west": ["east"]}, "west"),
                                            ({"land": ["09"], "kommunaltyp": ["kreisfreie_stadt"]}, "own")])
def test_batched_group_figures_equal_per_indicator_queries(latest, level, filters, berlin):
    items = latest[level]
    assert len(items) == len(ITEMS[level])          # every indicator has a latest year at this level
    many = q.group_aggregates(level, items, [], filters, berlin)
    for ind, year in items:
        one = q.group_aggregate(ind, level, year, [], filters, berlin)
        pd.testing.assert_frame_equal(many[(ind, year)], one, check_exact=False, rtol=1e-12)
        assert one["n"].iloc[0] > 0 and many[(ind, year)]["value"].notna().all()


UNITS = [("land", "09"), ("land", "11"), ("kreis", "09162"), ("kreis", "11000"), ("kreis", "12052"), ("kreis", "10044"),
         ("gemeinde", "05315000"), ("gemeinde", "12052000"), ("gemeinde", "11000000"), ("gemeinde", "09780139")]


def test_precomputed_peer_ranks_equal_the_per_unit_query(real_warehouse, monkeypatch):
    from dashboard import data
    monkeypatch.setenv("IA_CALLBACK_CACHE", "1")
    levels = sorted({lvl for lvl, _ in UNITS})
    assert data.warm_peer_ranks(tuple(levels)) > 11_000 / 2
    for level, ags in UNITS:
        pre = data.unit_peer_ranks(ags, level, "west")
        one = q.named("unit_peer_ranks", ags=ags, level=level, berlin="west")
        key = lambda df: sorted(df.to_dict("records"), key=lambda r: r["indicator_id"])  # noqa: E731
        assert key(pre) == key(one), (level, ags)
        assert len(pre) > 0 and list(pre.columns) == list(one.columns)
    # another Berlin rule is not precomputed: the query answers
    assert key(data.unit_peer_ranks("11000", "kreis", "east")) == key(
        q.named("unit_peer_ranks", ags="11000", level="kreis", berlin="east"))
