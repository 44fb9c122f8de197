import pytest

from etl.quality import SymbolError, parse_number


@pytest.mark.parametrize("raw,expected", [
    ("-", (0.0, "-")),
    (".", (None, ".")),
    ("x", (None, "x")),
    ("/", (None, "/")),
    ("...", (None, "...")),
    ("", (None, None)),
    ("  ", (None, None)),
    ("611850", (611850.0, None)),
    (" 136 ", (136.0, None)),
])
def test_symbols_and_plain_numbers(raw, expected):
    assert parse_number(raw) == expected


def test_german_number_format():
    assert parse_number("1.234,5", decimal=",", thousands=".") == (1234.5, None)
    assert parse_number('"2,794,664 "', thousands=",") == (2794664.0, None)


def test_trailing_quality_letter_kept_as_flag():
    assert parse_number("12,3 p", decimal=",") == (12.3, "p")


def test_unknown_symbol_raises_naming_value():
    with pytest.raises(SymbolError, match=r"'\*'"):
        parse_number("*")


def test_missing_symbols_never_become_zero():
    for sym in (".", "x", "/", "..."):
        value, flag = parse_number(sym)
        assert value is None and flag == sym
