"""Writing datasets: Arrow schemas from the contract, and a whole-folder write that swaps in atomically."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from coopdash.data import rollups
from coopdash.data.contract import TABLES_BY_NAME

ARROW_TYPES = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "INTEGER": pa.int32(),
               "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us")}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable)
                      for c in TABLES_BY_NAME[table].columns])


def to_arrow(table: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts keyed by contract column) as an Arrow table with the contract's schema."""
    return pa.Table.from_pylist(rows, schema=arrow_schema(table))


def write_dataset(tables: dict[str, pa.Table], out: Path, row_group_size: int = 1 << 17) -> None:
    """Write every table as `<name>.parquet` into `out`, and, for a whole dataset, its rollups
    (coopdash/data/rollups.py), replacing the folder whole: the new folder is written beside it and
    renamed into place, so readers see old or new, never a mix."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        for name, table in tables.items():
            pq.write_table(table, tmp / f"{name}.parquet", compression="zstd", row_group_size=row_group_size)
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
