"""Write a values table to CSV or XLSX with its source, table code, reference date and licence inside the file.

Shared by the CLI export and the dashboard download so both carry the same attribution.
"""
from __future__ import annotations

import io

import pandas as pd

EXPORT_COLUMNS = ["ags", "name", "level", "land", "kommunaltyp", "size_class", "east_west", "reference_date",
                  "value", "unit", "flag", "source", "table_code", "source_file", "gebietsstand", "harmonised",
                  "licence"]
LICENCE_TEXT = ("Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0), "
                "https://www.govdata.de/dl-de/by-2-0")


def tidy_export(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in EXPORT_COLUMNS:
        if col not in out.columns:
            out[col] = None
    out["reference_date"] = pd.to_datetime(out["reference_date"]).dt.strftime("%Y-%m-%d")
    return out[EXPORT_COLUMNS]


def metadata_rows(df: pd.DataFrame, title: str) -> list[tuple[str, str]]:
    dates = sorted(x for x in df["reference_date"].dropna().unique())
    return [
        ("Titel / title", title),
        ("Quelle / source", "; ".join(sorted(set(df["source"].dropna().astype(str))))),
        ("Tabelle / table code", "; ".join(sorted(set(df["table_code"].dropna().astype(str))))),
        ("Stichtag / reference date", ", ".join(dates)),
        ("Gebietsstand / boundaries", ", ".join(sorted(set(df["gebietsstand"].dropna().astype(str))))),
        ("Lizenz / licence", LICENCE_TEXT),
        ("Namensnennung / attribution", "; ".join(sorted(set(df.get("attribution", pd.Series(dtype=str)).dropna().astype(str)))) or "siehe Quelle"),
        ("Kennzeichen / flags", "'-' = genau null; '.' = unbekannt/geheim; 'x' = nicht sinnvoll; '/' = zu unsicher; "
                                "booked_elsewhere = bei Nachbarbehörde gebucht; leer = Wert"),
        ("Erstellt mit / made with", "Integrationsatlas"),
    ]


def to_csv_bytes(df: pd.DataFrame, title: str) -> bytes:
    """CSV (UTF-8 with BOM for Excel, ';' separator) with '#'-prefixed metadata lines before the header."""
    tidy = tidy_export(df)
    buf = io.StringIO()
    for key, val in metadata_rows(tidy, title):
        buf.write(f"# {key}: {val}\n")
    tidy.to_csv(buf, sep=";", index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx_bytes(df: pd.DataFrame, title: str) -> bytes:
    tidy = tidy_export(df)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        tidy.to_excel(xw, sheet_name="Daten", index=False)
        pd.DataFrame(metadata_rows(tidy, title), columns=["Feld", "Inhalt"]).to_excel(
            xw, sheet_name="Quelle und Lizenz", index=False)
    return buf.getvalue()
