"""URL state: parse/serialise round trip, defaults, invalid and stale parameters, routes."""
from dashboard.state import AppState, Catalogue, from_controls, parse, route, serialise

CAT = Catalogue(available={
    "protection_seekers_per_1000": {"gemeinde": [2024], "kreis": [2024], "land": [2024]},
    "foreigners_share": {"kreis": [2017, 2022], "gemeinde": [2022]},
    "migration_background_share": {},
}, lands=tuple(f"{i:02d}" for i in range(1, 17)))


def test_empty_query_gives_defaults():
    st, notices = parse("", CAT)
    assert notices == []
    assert st.ind == "protection_seekers_per_1000" and st.level == "gemeinde" and st.year == 2024  # first preferred with values
    assert st.lang == "de" and st.k == 5 and st.cls == "quantiles"


def test_round_trip_keeps_everything():
    st = AppState(lang="en", ind="foreigners_share", year=2017, level="kreis", land=("15", "14"), kt=("landkreis",),
                  gk="fine", gr=("lk_ge150k",), ew=("east",), br="own", kty=("4",), cls="fisher_jenks", k=7,
                  pal="puor", sel=("15002000", "14713000"), by=("size_class",), x="foreigners_share",
                  y="protection_seekers_per_1000", col="land", sim=("foreigners_share",))
    q = serialise(st, CAT)
    back, notices = parse(q, CAT)
    assert notices == []
    assert back == st


def test_defaults_are_omitted_from_url():
    st, _ = parse("", CAT)
    assert serialise(st, CAT) == ""
    assert serialise(st.with_(land=("15",)), CAT) == "?land=15"


def test_invalid_parameters_fall_back_with_notice():
    st, notices = parse("?ind=nope&level=mars&year=abc&k=99&cls=x&pal=rainbow&land=99,15&lang=fr&sel=123", CAT)
    assert st.ind == "protection_seekers_per_1000" and st.level == "gemeinde" and st.year == 2024
    assert st.k == 5 and st.cls == "quantiles" and st.pal == "viridis" and st.lang == "de"
    assert st.land == ("15",) and st.sel == ()
    for bad in ("ind=nope", "level=mars", "year=abc", "k=99", "cls=x", "pal=rainbow", "land=99", "lang=fr", "sel=123"):
        assert bad in notices


def test_stale_year_and_level_for_indicator():
    st, notices = parse("?ind=foreigners_share&level=land&year=1990", CAT)
    assert st.level == "gemeinde" and st.year == 2022  # first level with values, its latest year
    assert "level=land" in notices and "year=1990" in notices


def test_indicator_without_values_is_rejected():
    st, notices = parse("?ind=migration_background_share", CAT)
    assert st.ind == "protection_seekers_per_1000"
    assert "ind=migration_background_share" in notices


def test_berlin_group_only_with_own_rule():
    st, notices = parse("?ew=berlin", CAT)
    assert st.ew == () and "ew=berlin" in notices
    st, notices = parse("?ew=berlin&br=own", CAT)
    assert st.ew == ("berlin",) and notices == []


def test_selection_capped_at_eight():
    sel = ",".join(f"150020{i:02d}" for i in range(10))
    st, notices = parse(f"?sel={sel}", CAT)
    assert len(st.sel) == 8 and any(n.startswith("sel=") for n in notices)


def test_from_controls_merges_lists_and_ints():
    st = from_controls(AppState(), land=["15"], k="6", year=None, kt=None)
    assert st.land == ("15",) and st.k == 6 and st.year is None and st.kt == ()


def test_routes():
    assert route("/") == ("karte", {})
    assert route("/tabelle") == ("tabelle", {})
    assert route("/gemeinde/15002000") == ("profil", {"level": "gemeinde", "ags": "15002000"})
    assert route("/kreis/15002/") == ("profil", {"level": "kreis", "ags": "15002"})
    assert route("/nowhere") == ("notfound", {})


def test_filters_dict_uses_query_facets():
    st = AppState(land=("15",), gk="fine", gr=("lt5k",), ew=("east",), kty=("1",))
    assert st.filters() == {"land": ["15"], "size_class_fine": ["lt5k"], "east_west": ["east"], "bbsr_kreistyp": ["1"]}


def test_control_values_are_checked_against_the_allow_lists():
    """What controls can hold passes (normalised); anything else raises CraftedInput — the callbacks' state rules."""
    import pytest
    from dashboard.state import CraftedInput, control_value
    ok = [("ind", "foreigners_share", "foreigners_share"), ("year", 2017, 2017), ("year", "2022", 2022),
          ("year", None, None), ("level", "kreis", "kreis"), ("k", 9, 9), ("pal", "cividis", "cividis"),
          ("land", ["15", "01"], ("15", "01")), ("land", None, ()), ("sel", "15002000", ("15002000",)),
          ("kty", [1, "4"], ("1", "4")), ("by", ["size_class"], ("size_class",)), ("x", "", ""),
          ("bx", "1, 2", "1, 2"), ("sl", "", ""), ("sim", ["migration_background_share"], ("migration_background_share",)),
          ("cw", ["foreigners_share:1.5:-"], ("foreigners_share:1.5:-",)), ("tab", "", "")]
    for name, v, want in ok:
        assert control_value(name, v, CAT) == want, (name, v)
    bad = [("year", 99999), ("year", 2023), ("year", True), ("year", 2017.5), ("year", "2017; --"), ("year", [2017]),
           ("k", -3), ("k", 10), ("k", "5'"), ("level", "foo"), ("level", ["kreis"]), ("ind", "population'; --"),
           ("ind", None), ("ind", {"a": 1}), ("pal", "x"), ("cls", 3), ("land", ["99"]), ("land", 15),
           ("land", [{"a": "15"}]), ("sel", ["1500200'"]), ("sel", ["1" * 9]), ("sel", ["15"] * 65),
           ("by", ["ags"]), ("sim", ["nope"]), ("cw", ["nope:1"]), ("br", "own'"), ("lang", "fr"),
           ("bx", ["1,2"]), ("sl", "17"), ("px", "x"), ("tab", "table'")]
    for name, v in bad:
        with pytest.raises(CraftedInput):
            control_value(name, v, CAT)
    with pytest.raises(CraftedInput):       # from_controls with the catalogue applies the same rules
        from_controls(AppState(), CAT, year=99999)
    assert from_controls(AppState(), CAT, year=2022, level="kreis").year == 2022
