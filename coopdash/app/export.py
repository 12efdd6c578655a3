"""Tables as files: CSV in UTF-8 with BOM (Excel shows the Chinese) and .xlsx, with Chinese headers."""

from __future__ import annotations

import io

import pandas as pd


def labelled(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns shown, renamed to their labels (column → label)."""
    return df[list(columns)].rename(columns=columns)


def to_csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31] or "数据")
        ws = writer.sheets[sheet[:31] or "数据"]
        for i, column in enumerate(df.columns, start=1):
            width = max([len(str(column)) * 2] + [len(str(v)) for v in df[column].head(200)]) + 2
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width, 60)
    return buf.getvalue()
