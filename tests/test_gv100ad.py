"""GV100AD parser on hand-made records and on the real 30.11.2025 directory."""
import pytest

from etl.errors import ParseError
from etl.parsers.gv100ad import parse_gv100ad

REAL = "destatis_gemeindeverzeichnis_2025/GV100AD_30112025.txt"


def record(satzart, land="14", rb="7", kreis="13", gem="", verband="", name="", tk="", area=0, pop=0, male=0):
    """Build one 220-character record by the Datensatzbeschreibung's 1-based positions."""
    line = [" "] * 220

    def put(start, text):
        for i, ch in enumerate(text):
            line[start - 1 + i] = ch
    put(1, satzart)
    put(3, "20251130")
    put(11, land)
    put(13, rb)
    put(14, kreis)
    put(16, gem)
    put(19, verband)
    put(23, name[:50])
    put(123, tk)
    if satzart == "60":
        put(129, f"{area:011d}")
        put(140, f"{pop:011d}")
        put(151, f"{male:011d}")
    return "".join(line)


@pytest.fixture()
def small_file(tmp_path):
    lines = [
        record("10", rb="", kreis="", name="Sachsen"),
        record("40", name="Leipzig, Stadt", tk="41"),
        record("60", gem="000", verband="0000", name="Leipzig, Stadt", tk="61", area=29780, pop=611850, male=301582),
        record("40", rb="6", kreis="25", name="Bautzen", tk="44"),
        record("60", rb="6", kreis="25", gem="020", verband="5020",
               name="Bautzen / Budyšin, Stadt, Hochschulstadt / Wysokošulske město", tk="63", area=6658, pop=37000),
    ]
    p = tmp_path / "GV100AD_test.txt"
    p.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    return p


def test_parses_keys_as_strings_with_leading_zero(small_file):
    df = parse_gv100ad(small_file)
    gem = df[df.satzart == "60"].set_index("ags")
    assert list(gem.index) == ["14713000", "14625020"]
    assert gem.loc["14713000", "population"] == 611850
    assert gem.loc["14713000", "ars"] == "147130000000"
    assert gem.loc["14625020", "ars"] == "146255020020"
    assert df[df.satzart == "40"]["kreis_ags"].tolist() == ["14713", "14625"]


def test_slices_by_character_not_byte(small_file):
    """The Sorbian name has multi-byte characters; population must still be read correctly."""
    df = parse_gv100ad(small_file)
    row = df[df.ags == "14625020"].iloc[0]
    assert row["name"].startswith("Bautzen / Budyšin")
    assert row["population"] == 37000


def test_wrong_record_length_names_file_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text(record("10", name="X") + "\n" + "60short\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"bad.txt, line 2: record has 7 characters"):
        parse_gv100ad(p)


def test_not_utf8_is_a_clear_error(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes(record("10", name="Thüringen").encode("latin-1"))
    with pytest.raises(ParseError, match="not UTF-8"):
        parse_gv100ad(p)


def test_real_directory_counts_and_totals():
    from etl.settings import get_settings
    df = parse_gv100ad(get_settings().mirror / REAL)
    counts = df.satzart.value_counts().to_dict()
    assert counts == {"10": 16, "20": 29, "30": 12, "40": 400, "50": 4590, "60": 10953}
    gem = df[df.satzart == "60"]
    assert gem.ags.is_unique and gem.ags.str.fullmatch(r"\d{8}").all()
    assert int(gem.population.sum()) == 83_577_140
    assert int(gem.population_male.sum()) == 41_241_701
    leipzig = gem.set_index("ags").loc["14713000"]
    assert (leipzig.population, leipzig.area_ha, leipzig.textkennzeichen) == (611850, 29780, "61")
    assert gem.set_index("ags").loc["03459008", "ars"] == "034590008008"
