"""The files of a dataset folder: where a table lives, the ingest record of a version, and a cheap
fingerprint of the folder's state. No DuckDB, no Streamlit: ingest, the views and the pages share it.

A table is either one file `<name>.parquet` or a folder `<name>/` of Parquet files (hive partitions).
The fact tables (service orders, cleanups, repairs) are written as a folder of one file per month of the row's
own date (`PARTITION_TIME`): `service_orders/2024-01.parquet`, … (`partition_files`), so that a publish rewrites
only the months its batch touches and links the others from the version before; an empty table is the one
file `<name>/_empty.parquet`.
Each version written by ingest carries a folder `_ingest/` (META) with its summary and report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

META = "_ingest"  # inside each dataset version ingest writes: summary.json, report.csv, COMPLETE
# The fact tables, partitioned by the month of this column (the column their rollups are summed per month by)
PARTITION_TIME = {"service_orders": "submitted_at", "cleanups": "done_on", "repairs": "done_on"}
EMPTY = "_empty.parquet"  # the one file of an empty partitioned table (its schema)
_MONTH_FILE = re.compile(r"(\d{4})-(\d{2})\.parquet")


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


def partition_name(month: dt.date) -> str:
    """The file of one month of a partitioned table: `2024-01.parquet`."""
    return f"{month.year:04d}-{month.month:02d}.parquet"


def partition_files(folder: Path, table: str) -> dict[dt.date, Path] | None:
    """The month files of a table partitioned by month (first day of the month → file; {} for an empty one),
    or None when the table is not in that layout (one file, hive folders, or missing)."""
    where = Path(folder) / table
    if not where.is_dir() or (Path(folder) / f"{table}.parquet").is_file():
        return None
    out = {}
    for f in where.iterdir():
        if f.name == EMPTY:
            continue
        m = _MONTH_FILE.fullmatch(f.name)
        if m is None or not f.is_file():
            return None
        out[dt.date(int(m[1]), int(m[2]), 1)] = f
    return dict(sorted(out.items())) if out or (where / EMPTY).is_file() else None


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
