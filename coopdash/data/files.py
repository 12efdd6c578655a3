"""The files of a dataset folder: where a table lives, the ingest record of a version, and a cheap
fingerprint of the folder's state. No DuckDB, no Streamlit: ingest, the views and the pages share it.

A table is either one file `<name>.parquet` or a folder `<name>/` of Parquet files (hive partitions).
Each version written by ingest carries a folder `_ingest/` (META) with its summary and report.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

META = "_ingest"  # inside each dataset version ingest writes: summary.json, report.csv, COMPLETE


def ident(name: str) -> str:
    """A quoted SQL identifier for a name the code chose (a contract table or column, a rollup):
    only lower-case letters, digits and underscores get through, so nothing a user typed can."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a whitelisted identifier: {name!r}")
    return '"' + name + '"'


def table_location(folder: Path, table: str) -> Path | None:
    """`folder/<table>.parquet`, else the folder `folder/<table>/` when it holds Parquet files, else None."""
    file, sub = Path(folder) / f"{table}.parquet", Path(folder) / table
    if file.is_file():
        return file
    if sub.is_dir() and any(sub.rglob("*.parquet")):
        return sub
    return None


def table_files(folder: Path, table: str) -> list[Path]:
    """Every Parquet file of one table, in a stable order ([] when the table is missing)."""
    where = table_location(folder, table)
    if where is None:
        return []
    return [where] if where.is_file() else sorted(where.rglob("*.parquet"))


def fingerprint(folder: Path) -> str:
    """Changes whenever a table file or folder in the dataset is replaced, or the dataset's symlink
    is swapped to another version (cheap: a few stats)."""
    parts = [os.path.realpath(folder)]
    for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
        st_ = entry.stat()
        parts.append(f"{entry.name}:{st_.st_mtime_ns}:{st_.st_size}")
    return "|".join(parts)


def dataset_info(folder: Path) -> dict:
    """{'version', 'ingested_at', 'sources', 'tables', 'warnings', 'dropped_personal_columns', 'path'};
    version is None for a dataset that was never ingested (e.g. the bundled demo)."""
    info = {"version": None, "ingested_at": None, "sources": [], "tables": {}, "warnings": 0,
            "dropped_personal_columns": [], "path": os.path.realpath(folder)}
    summary = Path(folder) / META / "summary.json"
    if summary.is_file():
        info.update(json.loads(summary.read_text(encoding="utf-8")))
        info["version"] = info.get("version") or Path(os.path.realpath(folder)).name
    return info


def last_report(folder: Path):
    """The problems the last ingest reported (warnings and notes; errors never make a version), as a
    DataFrame of strings, or None for a dataset never ingested."""
    import pandas as pd

    path = Path(folder) / META / "report.csv"
    if not path.is_file():
        return None
    from coopdash.data.spreadsheet import restore
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False).map(restore)
