"""Faults in input files (issue 11): one real file of ../shared/opendata corrupted into tmp_path at a time, the
real step run as the runner runs it, its output validated at the staging boundary. Expected: one clear error
naming dataset/file, line/field and value — never a silently wrong number. Runner-level consequences (last good
warehouse kept, no half-built file, a run-history entry) are in tests/test_faults_process.py."""
from __future__ import annotations

import re

import pytest

from etl.errors import EtlError, InputError, MissingInputError, ParseError, ValidationError
from etl.parsers.regio_csv import read_regio_csv
from tests.faults_support import REAL, join, lines, real_bytes, real_path, run_dataset, zip_with

if not REAL.is_dir():
    pytest.skip(f"snapshot mirror {REAL} not present", allow_module_level=True)

ZENSUS, POP = "zensus2022_1000A", "1000A-0000_de_flat.csv"
AZR, AZR_ZIP = "destatis_12531-0043", "12531-0043_2024-12-31_resultfile_ffcsv.zip"
ALQ_GEM, ALQ_GEM_FILE = "regionalstatistik_13211-01-03-5", "13211-01-03-5_gemeinden_2016_datenguide.csv"
ALQ, ALQ_FILE = "regionalstatistik_13211-02-05-4", "13211-02-05-4_kreise_2015-2020_latin1.csv"


def replace_once(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert raw.count(old) >= 1, old
    return raw.replace(old, new, 1)


def line_no(raw: bytes, needle: bytes) -> int:
    return raw[:raw.index(needle)].count(b"\n") + 1


# -- the untouched files pass every guard (no false alarms) ----------------------------------------------------
@pytest.mark.parametrize("dataset", [ZENSUS, ALQ_GEM])
def test_real_files_pass_all_guards(tmp_path, dataset):
    obs = run_dataset(tmp_path, dataset, {})
    assert len(obs) > 10_000


# -- completeness ----------------------------------------------------------------------------------------------
def test_plain_file_cut_to_half_is_rejected_with_coverage(tmp_path):
    raw = real_bytes(ZENSUS, POP)
    ls = lines(raw)
    half = join(ls[: len(ls) // 2])
    with pytest.raises(ValidationError, match=r"zensus2022_1000A: file 1000A-0000_de_flat.csv: level gemeinde, "
                                              r"reference date 2022-05-15: 5\d{3} units, but the Gebietsstand "
                                              r"20\d\d-12-31 has 109\d\d .*file incomplete"):
        run_dataset(tmp_path, ZENSUS, {POP: half})


def test_file_cut_to_half_inside_a_valid_zip_is_rejected(tmp_path):
    """12531-0043: Germany is the sum of the Kreise — half the lines would halve Germany's protection seekers."""
    def cut(data: bytes) -> bytes:
        ls = lines(data)
        return join(ls[: len(ls) // 2])
    bad = zip_with(real_bytes(AZR, AZR_ZIP), cut)
    # the lines are in random order: every Kreis keeps some rows, so the unit count alone would pass;
    # the totals of the last good build of the same file and date do not
    with pytest.raises(ValidationError, match=rf"{AZR}: file {re.escape(AZR_ZIP)}: 'protection_seekers' \w+ "
                                              r"2024-12-31: sum 1,6\d\d,\d{3} against 3,278,005 in the last good "
                                              r"build .*file incomplete or corrupted"):
        run_dataset(tmp_path, AZR, {AZR_ZIP: bad})


def test_truncated_zip_names_the_file(tmp_path):
    raw = real_bytes(AZR, AZR_ZIP)
    with pytest.raises(ParseError, match=rf"{re.escape(AZR_ZIP)}: corrupt or truncated zip \(BadZipFile"):
        run_dataset(tmp_path, AZR, {AZR_ZIP: raw[: len(raw) // 2]})


def test_empty_file(tmp_path):
    with pytest.raises(ParseError, match=rf"{POP}, line 1: empty file"):
        run_dataset(tmp_path, ZENSUS, {POP: b""})


def test_header_only_file(tmp_path):
    with pytest.raises(ParseError, match=rf"{POP}, line 2: header only, no data lines"):
        run_dataset(tmp_path, ZENSUS, {POP: lines(real_bytes(ZENSUS, POP))[0] + b"\n"})


def test_missing_file(tmp_path):
    with pytest.raises(MissingInputError, match=rf"dataset '{ZENSUS}': input file '{POP}' not found"):
        run_dataset(tmp_path, ZENSUS, {POP: None})


# -- duplicates ------------------------------------------------------------------------------------------------
def test_duplicated_detail_row_is_never_summed(tmp_path):
    """An AZR detail cell twice would be added into its Kreis (and Germany) total."""
    def dup(data: bytes) -> bytes:
        ls = lines(data)
        return join(ls[:1001] + [ls[1000]] + ls[1001:])
    bad = zip_with(real_bytes(AZR, AZR_ZIP), dup)
    with pytest.raises(ParseError, match=r"resultfile_ffcsv.zip!.*\.csv, line 1001, field 'key', value "
                                         r"'2024-12-31 .*duplicated detail row \(lines \[1001, 1002\]"):
        run_dataset(tmp_path, AZR, {AZR_ZIP: bad})


def test_duplicated_key_line_in_a_regio_table(tmp_path):
    raw = real_bytes(ALQ_GEM, ALQ_GEM_FILE)
    ls = lines(raw)
    i = next(j for j, ln in enumerate(ls) if ln.startswith(b"01051001;"))
    changed = ls[i].replace(b";", b";", 1)
    bad = join(ls[: i + 1] + [changed] + ls[i + 1:])
    with pytest.raises(ParseError, match=rf"{ALQ_GEM_FILE}, line {i + 1}, field 'key', value '01051001': duplicated "
                                         rf"key: lines \[{i + 1}, {i + 2}\]"):
        run_dataset(tmp_path, ALQ_GEM, {ALQ_GEM_FILE: bad})


# -- keys ------------------------------------------------------------------------------------------------------
def test_gemeinde_key_without_leading_zero_is_not_a_gemeindeverband(tmp_path):
    raw = real_bytes(ALQ_GEM, ALQ_GEM_FILE)
    bad = replace_once(raw, b"\n01051001;", b"\n1051001;")
    ln = line_no(bad, b"\n1051001;") + 1
    with pytest.raises(ParseError, match=rf"{ALQ_GEM_FILE}, line {ln}, field 'key', value '1051001': key lost its "
                                         r"leading zero: its Kreis is '01051'"):
        run_dataset(tmp_path, ALQ_GEM, {ALQ_GEM_FILE: bad})


def test_regierungsbezirk_key_never_becomes_a_land(tmp_path):
    """A 3-digit RB key cut to two digits (or any key outside 01–16) is no Land."""
    raw = real_bytes(ALQ, ALQ_FILE)
    bad = replace_once(raw, b"\n2020;01;  Schleswig-Holstein;", b"\n2020;91;  Schleswig-Holstein;")
    with pytest.raises(ValidationError, match=r"field 'ags' value '91' \(level land\) does not start with a "
                                              r"Land code 01–16"):
        run_dataset(tmp_path, ALQ, {ALQ_FILE: bad}, coverage=False)


# -- number formats --------------------------------------------------------------------------------------------
def test_thousands_dot_in_a_count_is_rejected(tmp_path):
    raw = real_bytes(ZENSUS, POP)
    bad = replace_once(raw, b";Lindberg;2294;", b";Lindberg;2.294;")
    with pytest.raises(ValidationError, match=r"file 1000A-0000_de_flat.csv: field 'value' of count "
                                              r"'population_census2022' has decimals .* value 2.294 at 09276130"):
        run_dataset(tmp_path, ZENSUS, {POP: bad})


def test_thousands_dot_in_a_decimal_comma_table(tmp_path):
    raw = real_bytes(ALQ, ALQ_FILE)
    bad = replace_once(raw, b"Flensburg, kreisfreie Stadt;4722;", b"Flensburg, kreisfreie Stadt;4.722;")
    with pytest.raises(ParseError, match=r"line \d+, field 'Arbeitslose', value '4.722': dot inside a number"):
        run_dataset(tmp_path, ALQ, {ALQ_FILE: bad}, coverage=False)


def test_decimal_comma_in_a_decimal_point_file(tmp_path):
    raw = real_bytes(ZENSUS, POP)
    bad = replace_once(raw, b";Lindberg;2294;", b";Lindberg;2294,5;")
    ln = line_no(bad, b";Lindberg;2294,5;")
    with pytest.raises(ParseError, match=rf"{POP}, line {ln}, field 'value', value '2294,5': not a number"):
        run_dataset(tmp_path, ZENSUS, {POP: bad})


@pytest.mark.parametrize("cell", [b"n/a", b"#", b"z"])
def test_non_numeric_cells_and_unknown_symbols(tmp_path, cell):
    raw = real_bytes(ZENSUS, POP)
    bad = replace_once(raw, b";Lindberg;2294;", b";Lindberg;" + cell + b";")
    ln = line_no(bad, b";Lindberg;" + cell + b";")
    with pytest.raises(ParseError, match=rf"line {ln}, field 'value', value '{re.escape(cell.decode())}': not a "
                                         r"number and not a known quality symbol"):
        run_dataset(tmp_path, ZENSUS, {POP: bad})


def test_value_far_outside_the_plausible_range(tmp_path):
    raw = real_bytes(ZENSUS, POP)
    bad = replace_once(raw, b";Lindberg;2294;", b";Lindberg;229400000;")
    with pytest.raises(ValidationError, match=r"field 'value' of 'population_census2022' outside plausible range "
                                              r"\[0, 4000000\] .*'ags': '09276130'"):
        run_dataset(tmp_path, ZENSUS, {POP: bad})


def test_land_rate_is_range_checked(tmp_path):
    """Land and Germany values are range-checked too (a rate's range holds at every level)."""
    raw = real_bytes(ALQ, ALQ_FILE)
    old = b"\n2020;01;  Schleswig-Holstein;92140;21506;5197;1842;9308;19359;28170;6,5;5,8;"
    bad = replace_once(raw, old, old.replace(b";6,5;5,8;", b";6,5;580,0;"))
    with pytest.raises(ValidationError, match=r"'unemployment_rate' outside plausible range \[0, 40\] .*'ags': '01', "
                                              r"'level': 'land', 'reference_date': '2020-12-31', 'value': 580.0"):
        run_dataset(tmp_path, ALQ, {ALQ_FILE: bad}, coverage=False)


# -- dates -----------------------------------------------------------------------------------------------------
def test_reference_date_in_the_future(tmp_path):
    bad = zip_with(real_bytes(AZR, AZR_ZIP), lambda d: d.replace(b";2024-12-31;", b";2099-12-31;"))
    with pytest.raises(ValidationError, match=rf"file {re.escape(AZR_ZIP)}: field 'reference_date' value "
                                              r"'2099-12-31' lies in the future \(file published 2026-03-10"):
        run_dataset(tmp_path, AZR, {AZR_ZIP: bad})


# -- columns ---------------------------------------------------------------------------------------------------
def test_renamed_variable_column(tmp_path):
    bad = zip_with(real_bytes(AZR, AZR_ZIP), lambda d: d.replace(b";KREISE;", b";KREIS;"))
    with pytest.raises(ParseError, match=r"classifying variables missing: \['KREISE'\]"):
        run_dataset(tmp_path, AZR, {AZR_ZIP: bad})


def test_renamed_value_column(tmp_path):
    raw = real_bytes(ZENSUS, POP)
    bad = replace_once(raw, b";value;value_unit;", b";wert;value_unit;")
    with pytest.raises(ParseError, match=r"not an ffcsv file: missing columns \['value'\]"):
        run_dataset(tmp_path, ZENSUS, {POP: bad})


def test_missing_column(tmp_path):
    ls = lines(real_bytes(ZENSUS, POP))
    drop = [c.strip(b"\r") for c in ls[0].split(b";")].index(b"time")
    cut = [b";".join(c for j, c in enumerate(ln.split(b";")) if j != drop) if ln else ln for ln in ls]
    with pytest.raises(ParseError, match=r"not an ffcsv file: missing columns \['time'\]"):
        run_dataset(tmp_path, ZENSUS, {POP: join(cut)})


def test_extra_column_changes_no_number(tmp_path):
    ls = lines(real_bytes(ZENSUS, POP))
    extra = [ln.rstrip(b"\r") + (b";note" if i == 0 else b";x") if ln else ln for i, ln in enumerate(ls)]
    good = run_dataset(tmp_path / "a", ZENSUS, {})
    got = run_dataset(tmp_path / "b", ZENSUS, {POP: join(extra)})
    assert got.equals(good)
    assert got.loc[got["ags"].eq("09276130"), "value"].tolist() == [2294]


# -- encodings -------------------------------------------------------------------------------------------------
def test_utf8_file_read_as_latin1_gives_an_error_not_mojibake(tmp_path):
    raw = real_bytes(ALQ_GEM, ALQ_GEM_FILE)
    assert "ü".encode() in raw  # UTF-8 copy (datenguide)
    bad = raw.decode("utf-8").encode("utf-8").decode("latin-1").encode("utf-8")  # re-encoded once too often
    first = raw.decode("utf-8")
    ln = next(i for i, t in enumerate(first.splitlines(), 1) if any(u in t for u in "äöüßÄÖÜ"))
    with pytest.raises(ParseError, match=rf"{ALQ_GEM_FILE}, line {ln}, value .*: mojibake 'Ã"):
        run_dataset(tmp_path, ALQ_GEM, {ALQ_GEM_FILE: bad})


def test_latin1_file_is_decoded_as_latin1():
    t = read_regio_csv(real_path(ALQ, ALQ_FILE))
    assert t.encoding == "cp1252"
    assert "Lübeck, Hansestadt, kreisfreie Stadt" in set(t.data["name"])


def test_latin1_ffcsv_is_an_error():
    raw = real_bytes(ZENSUS, POP).decode("utf-8-sig").encode("latin-1")
    from etl.parsers.ffcsv import read_ffcsv
    with pytest.raises(ParseError, match=r"not UTF-8"):
        read_ffcsv(raw, name=POP)


def test_mojibake_in_a_step_table_names_dataset_table_and_value():
    import pandas as pd
    from etl.validate import validate_tables
    df = pd.DataFrame({"ags": ["09162000"], "name": ["MÃ¼nchen"], "line": [17]})
    with pytest.raises(ValidationError, match=r"ds: line 17, table regions, field 'name', value 'MÃ¼nchen'"):
        validate_tables({"regions": df}, "ds")


# -- corrupt binary formats: one line, never a traceback --------------------------------------------------------
@pytest.mark.parametrize("dataset, name, hint", [
    ("inkar_inkr_parquet", "medizinische_und_soziale_versorgung.parquet", "corrupt parquet"),
    ("kommunalstatistik_hamburg_migrationshintergrund", "Daten_fuer_die_Stadtteilprofile_2014.xlsx",
     "corrupt or truncated zip/xlsx"),
    ("bkg_vg250_kreise", "2023-12-31_3_kreise.geojson.br", "cannot read input"),
])
def test_corrupt_binary_file_gives_one_line(tmp_path, dataset, name, hint):
    raw = real_bytes(dataset, name)
    with pytest.raises(EtlError) as info:
        run_dataset(tmp_path, dataset, {name: raw[: len(raw) // 3]}, coverage=False)
    msg = str(info.value)
    assert "\n" not in msg and name in msg, msg
    assert isinstance(info.value, (ParseError, InputError)) and info.value.ia_dataset == dataset
    if isinstance(info.value, InputError):
        assert hint in msg, msg


# -- derived indicators: computed in SQL, checked by a model test ------------------------------------------------
def test_derived_range_model_test():
    import duckdb
    from etl.runner import MODELS
    from tests.faults_support import reference_warehouse
    sql = (MODELS / "marts" / "90_indicator_range.test.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.indicators AS SELECT * FROM (VALUES "
                "('protection_seekers_per_1000', 'derived', '[0, 400]'), ('protection_seekers', 'count', '[0, 100000]')"
                ") t(id, kind, range)")
    con.execute("CREATE TABLE core.fact_observation AS SELECT * FROM (VALUES "
                "('09162', 'kreis', 'protection_seekers_per_1000', DATE '2024-12-31', 29540.0), "
                "('09163', 'kreis', 'protection_seekers_per_1000', DATE '2024-12-31', 31.2), "
                "('DG', 'bund', 'protection_seekers', DATE '2024-12-31', 3278005.0)"
                ") t(ags, level, indicator_id, reference_date, value)")
    rows = con.execute(sql).fetchall()
    assert rows == [("protection_seekers_per_1000", "kreis", "09162", "2024-12-31", 29540.0, "[0, 400]")]
    ref = reference_warehouse()
    if ref is not None:  # the real warehouse passes its own model test
        real = duckdb.connect(str(ref), read_only=True)
        assert real.execute(sql).fetchall() == []
        real.close()
