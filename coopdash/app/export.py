"""Tables as files: CSV in UTF-8 with BOM (Excel shows the Chinese) and .xlsx, with Chinese headers.

No text cell ever becomes a formula in a download (formula injection: a ledger cell
`=HYPERLINK("http://…")` must not come back as a live link). In .xlsx every text cell is written as a
string cell; in CSV a text that begins with = + - @, a tab or a carriage return gets a leading
apostrophe (OWASP's advice), so a spreadsheet shows it as text. The value on screen and in the dataset
stays what the ledger said.
"""

from __future__ import annotations

import io

import pandas as pd

from coopdash.data.spreadsheet import neutralise


def labelled(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The columns shown, renamed to their labels (column → label)."""
    return df[list(columns)].rename(columns=columns)


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])
                                          or pd.api.types.is_datetime64_any_dtype(df[c]))]


def to_csv(df: pd.DataFrame) -> bytes:
    texts = _text_columns(df)
    safe = df.assign(**{c: df[c].map(neutralise) for c in texts}) if texts else df
    header = [neutralise(str(c)) for c in df.columns]
    return safe.to_csv(index=False, header=header).encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31] or "数据")
        ws = writer.sheets[sheet[:31] or "数据"]
        for row in ws.iter_rows():  # text that looks like a formula stays text
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        for i, column in enumerate(df.columns, start=1):
            width = max([len(str(column)) * 2] + [len(str(v)) for v in df[column].head(200)]) + 2
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width, 60)
    return buf.getvalue()
