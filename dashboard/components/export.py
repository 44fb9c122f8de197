"""CSV / XLSX of exactly the rows shown, each row carrying source, table code, reference date and licence."""
from __future__ import annotations

import io

import pandas as pd

PROVENANCE = ("reference_date", "table_code", "source", "licence", "attribution")


def with_provenance(rows: pd.DataFrame, meta: dict) -> pd.DataFrame:
    df = rows.copy()
    for col in PROVENANCE:
        if col not in df.columns or df[col].isna().all():
            df[col] = meta.get(col)
    return df


def to_csv_bytes(rows: pd.DataFrame, meta: dict) -> bytes:
    """UTF-8 with BOM (Excel opens umlauts correctly), comma separated, keys as text."""
    return with_provenance(rows, meta).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(rows: pd.DataFrame, meta: dict, sheet: str = "Daten") -> bytes:
    """Data sheet plus a 'Quelle' sheet with the provenance and the licence text."""
    buf = io.BytesIO()
    df = with_provenance(rows, meta)
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False)
        ws = xw.sheets[sheet]
        ws.freeze_panes(1, 0)
        text_fmt = xw.book.add_format({"num_format": "@"})
        if "ags" in df.columns:
            col = df.columns.get_loc("ags")
            ws.set_column(col, col, 11, text_fmt)
            for r, v in enumerate(df["ags"].astype(str), start=1):
                ws.write_string(r, col, v)
        pd.DataFrame([(k, meta.get(k)) for k in ("indicator", "source", "table_code", "reference_date", "licence",
                                                    "attribution", "filters", "exported_at")],
                     columns=["field", "value"]).to_excel(xw, sheet_name="Quelle", index=False)
    return buf.getvalue()
