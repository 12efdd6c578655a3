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


_BAD_SHEET = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    out: list[str] = []
    for name in names:
        base = (name.translate(_BAD_SHEET) or "数据")[:31]
        candidate, n = base, 1
        while candidate.lower() in (o.lower() for o in out):
            n += 1
            candidate = f"{base[:28]}-{n}"
        out.append(candidate)
    return out


def to_workbook(sheets: list[tuple[str, pd.DataFrame]]) -> bytes:
    """One .xlsx with a sheet per (name, table); text that looks like a formula stays text."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, (_, df) in zip(_sheet_names([n for n, _ in sheets]), sheets):
            df.to_excel(writer, index=False, sheet_name=name)
            ws = writer.sheets[name]
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
            for i, column in enumerate(df.columns, start=1):
                width = max([len(str(column)) * 2] + [len(str(v)) for v in df[column].head(200)]) + 2
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(width, 60)
    return buf.getvalue()


def to_xlsx(df: pd.DataFrame, sheet: str = "数据") -> bytes:
    return to_workbook([(sheet, df)])
