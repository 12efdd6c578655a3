"""Writing datasets: Arrow schemas from the contract, the fact tables split into month files, and a
whole-folder write that swaps in atomically."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash.data import rollups
from coopdash.data.contract import TABLES_BY_NAME
from coopdash.data.files import EMPTY, PARTITION_TIME, partition_name

ARROW_TYPES = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "INTEGER": pa.int32(),
               "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us")}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable)
                      for c in TABLES_BY_NAME[table].columns])


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts keyed by contract column) as an Arrow table with the contract's schema."""
    return pa.Table.from_pylist(rows, schema=arrow_schema(table))


def month_of(table: str, t: pa.Table) -> pa.Array:
    """Each row's month of a partitioned fact table, as year × 12 + month − 1."""
    time = t[PARTITION_TIME[table]]
    return pc.add(pc.multiply(pc.cast(pc.year(time), pa.int32()), 12), pc.subtract(pc.cast(pc.month(time), pa.int32()), 1))


def split_months(table: str, t: pa.Table) -> dict[dt.date, pa.Table]:
    """A fact table's rows by the month of their own date (PARTITION_TIME), each month's rows in the order
    they had (a stable sort by month)."""
    if t.num_rows == 0:
        return {}
    month = month_of(table, t)
    order = pc.sort_indices(month)  # stable
    t, month = t.take(order), month.take(order).to_numpy()
    import numpy as np
    cuts = np.flatnonzero(np.diff(month)) + 1
    out = {}
    for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(month)]])):
        m = int(month[a])
        out[dt.date(m // 12, m % 12 + 1, 1)] = t.slice(int(a), int(b - a))
    return out


def write_table(name: str, t: pa.Table, folder: Path, row_group_size: int = 1 << 17, partitioned: bool = True) -> None:
    """One table into `folder`: a fact table as `<name>/<YYYY-MM>.parquet`, one file per month (`_empty.parquet`
    when it has no rows), any other (or any, with partitioned=False) as `<name>.parquet`."""
    folder = Path(folder)
    if name not in PARTITION_TIME or not partitioned:
        pq.write_table(t, folder / f"{name}.parquet", compression="zstd", row_group_size=row_group_size)
        return
    (folder / name).mkdir()
    parts = split_months(name, t)
    for month, part in parts.items():
        pq.write_table(part, folder / name / partition_name(month), compression="zstd", row_group_size=row_group_size)
    if not parts:
        pq.write_table(t, folder / name / EMPTY, compression="zstd")


def write_dataset(tables: dict[str, pa.Table], out: Path, row_group_size: int = 1 << 17,
                  partitioned: bool = False) -> None:
    """Write every table into `out` (`write_table`; partitioned: the fact tables one file per month, as ingest
    writes its versions and the city generator its datasets; else one file a table, as the demo), and, for a whole
    dataset, its rollups (coopdash/data/rollups.py), replacing the folder whole: the new folder is written
    beside it and renamed into place, so readers see old or new, never a mix."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        for name, table in tables.items():
            write_table(name, table, tmp, row_group_size, partitioned)
        if TABLES_BY_NAME.keys() <= tables.keys():
            rollups.write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.with_name(f".{out.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
