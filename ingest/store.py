"""A versioned dataset whose every change is one atomic rename.

    data/mydata -> .mydata.versions/v0003        (a symlink: what the app reads)
    data/.mydata.versions/v0001/ v0002/ v0003/   (complete versions, each with _ingest/)

A new version is written in full beside the others (unchanged tables hard-linked), marked
complete, and only then swapped in by renaming a new symlink over the dataset path. A process
killed at any moment therefore leaves the old or the new dataset, never a mix. The first ingest
into a plain folder turns it into version v0001 (atomically with renameat2 RENAME_EXCHANGE on
Linux). `rollback()` points the dataset back at the previous version.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import fcntl
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from coopdash.data import rollups
from coopdash.data.contract import TABLES
from coopdash.data.dataset import arrow_schema
from coopdash.data.errors import StoreError
from coopdash.data.files import EMPTY, META, partition_files, partition_name, table_location
from ingest.validate import Parts

COMPLETE = "COMPLETE"
CRASH_ENV = "COOP_INGEST_CRASH_AT"  # test hook: after_write | before_swap | after_swap → os._exit


def _crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) == name:
        os._exit(137)


def versions_dir(dataset: Path) -> Path:
    return dataset.parent / f".{dataset.name}.versions"


def reports_dir(dataset: Path) -> Path:
    return dataset.parent / f".{dataset.name}.reports"


def versions(dataset: Path) -> list[Path]:
    """Complete versions, oldest first."""
    vdir = versions_dir(dataset)
    if not vdir.is_dir():
        return []
    return sorted(p for p in vdir.iterdir() if p.name.startswith("v") and (p / META / COMPLETE).exists())


def current(dataset: Path) -> Path | None:
    """The folder the dataset path shows now (a version, or the plain folder), or None if missing."""
    if dataset.is_symlink():
        return Path(os.path.realpath(dataset))
    return dataset if dataset.is_dir() else None


def read_tables(folder: Path | None, names: set[str] | None = None) -> dict[str, pa.Table]:
    """The contract tables of a dataset folder (`names` only, when given; missing tables are left out)."""
    out = {}
    if folder is None:
        return out
    for t in TABLES:
        if names is not None and t.name not in names:
            continue
        where = table_location(folder, t.name)
        if where is None:
            continue
        months = partition_files(folder, t.name)
        if months:  # one file per month: in month order
            out[t.name] = pa.concat_tables([pq.read_table(f) for f in months.values()], promote_options="default")
        else:
            out[t.name] = pq.read_table(where) if where.is_file() else pq.read_table(where, partitioning="hive")
        columns = [c.name for c in t.columns if c.name in out[t.name].column_names]
        out[t.name] = out[t.name].select(columns)
    return out


def clean_incomplete(dataset: Path) -> None:
    """Remove versions a killed run left half-written (no COMPLETE marker) and stray temp links."""
    vdir = versions_dir(dataset)
    if vdir.is_dir():
        for p in vdir.iterdir():
            if p.is_dir() and not p.is_symlink() and not (p / META / COMPLETE).exists():
                shutil.rmtree(p, ignore_errors=True)
    for p in dataset.parent.glob(f".{dataset.name}.link-*"):
        if p.is_symlink():
            p.unlink()
        elif p.is_dir():  # the plain folder a first conversion exchanged out
            shutil.rmtree(p, ignore_errors=True)


def _next_name(dataset: Path) -> str:
    existing = [int(p.name[1:]) for p in versions_dir(dataset).glob("v[0-9]*") if p.name[1:].isdigit()]
    return f"v{max(existing, default=0) + 1:04d}"


def _link_or_copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, copy_function=_link_or_copy_file)
    else:
        _link_or_copy_file(src, dst)


def _link_or_copy_file(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_tables(base: Path | None, new: Path, changed: dict[str, pa.Table | Parts], convert: bool = True) -> None:
    """The tables of a new version `new` of `base`: a changed table written (a partitioned one: its changed
    months written and its other month files linked from `base`), every other table linked from `base`.
    convert=False: a fact table `base` holds in one file stays one file (see write_version)."""
    for t in TABLES:
        content = changed.get(t.name)
        if isinstance(content, Parts) and content.whole and not convert:
            months = [content.months[m] for m in sorted(content.months) if content.months[m].num_rows]
            whole = pa.concat_tables(months) if months else arrow_schema(t.name).empty_table()
            pq.write_table(whole, new / f"{t.name}.parquet", compression="zstd", row_group_size=1 << 17)
        elif isinstance(content, Parts):
            dest = new / t.name
            dest.mkdir()
            kept = {} if content.whole or base is None else partition_files(base, t.name) or {}
            for month, f in kept.items():
                if month not in content.months:
                    _link_or_copy_file(f, dest / f.name)
            for month, part in content.months.items():
                if part.num_rows:
                    pq.write_table(part, dest / partition_name(month), compression="zstd", row_group_size=1 << 17)
            if not any(dest.iterdir()):
                pq.write_table(arrow_schema(t.name).empty_table(), dest / EMPTY, compression="zstd")
        elif content is not None:
            pq.write_table(content, new / f"{t.name}.parquet", compression="zstd", row_group_size=1 << 17)
        elif base is not None:
            src = table_location(base, t.name)
            if src is not None:
                _link_or_copy(src, new / src.name)
    if base is not None and (base / "boundaries.geojson").is_file():
        _link_or_copy(base / "boundaries.geojson", new / "boundaries.geojson")


def write_version(dataset: Path, changed: dict[str, pa.Table | Parts], summary: dict, report_csv: bytes,
                  months: dict[str, set] | None = None) -> Path:
    """A complete new version: changed tables written (a fact table: only its changed month files), the others
    linked from the current one. `months`: the months each changed fact table changed in, so the rollups
    recompute only those (else all of them)."""
    clean_incomplete(dataset)
    vdir = versions_dir(dataset)
    vdir.mkdir(parents=True, exist_ok=True)
    new = vdir / _next_name(dataset)
    new.mkdir()
    base = current(dataset)
    # A session opened on a plain folder reads its files by their paths in it, which the swap turns into the new
    # version's: the first publish into a plain folder keeps its table files where they are (one file a table;
    # the next publish, from a version whose paths stay, writes them as months), and its rollup files too.
    plain = base is not None and not dataset.is_symlink()
    write_tables(base, new, changed, convert=not plain)
    # the rollups of the new version, in the same atomic swap as its tables: only what the batch touched
    if months is not None:
        rollups.update(base, new, months)  # a full rebuild when more than those months changed
    else:
        rollups.write(new)
    if plain:  # a rollup the layout before wrote as one file, kept at its path (new sessions read the folder)
        for name in rollups.PARTED:
            kept = base / rollups.FOLDER / f"{name}.parquet"
            if kept.is_file() and not (new / rollups.FOLDER / kept.name).exists():
                _link_or_copy_file(kept, new / rollups.FOLDER / kept.name)
    _crash_point("after_write")
    meta = new / META
    meta.mkdir()
    (meta / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (meta / "report.csv").write_bytes(report_csv)
    written = [p for p in new.rglob("*") if p.is_dir()]  # tables and rollups one file per month, _rollups, _ingest
    for f in new.rglob("*"):
        if f.is_file():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
    for d in written:
        _fsync_dir(d)
    _fsync_dir(new)
    (meta / COMPLETE).write_text(new.name, encoding="utf-8")
    _fsync_dir(meta)
    return new


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the call is not available."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    res = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if res != 0:
        err = ctypes.get_errno()
        if err in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the file system cannot
            return False
        raise OSError(err, os.strerror(err), str(a))
    return True


def point_to(dataset: Path, version: Path) -> None:
    """Make `dataset` show `version`, in one atomic rename."""
    tmp = dataset.parent / f".{dataset.name}.link-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(version, dataset.parent), tmp)
    _crash_point("before_swap")
    if dataset.is_symlink() or not dataset.exists():
        os.replace(tmp, dataset)
    elif _exchange(tmp, dataset):
        # the plain folder is now at tmp; its content was kept as the first version
        shutil.rmtree(tmp)
    else:  # no renameat2: a short window in which the dataset path is missing
        aside = dataset.parent / f".{dataset.name}.link-{os.getpid()}-old"
        os.rename(dataset, aside)
        os.replace(tmp, dataset)
        shutil.rmtree(aside)
    _fsync_dir(dataset.parent)
    _crash_point("after_swap")


def adopt_plain_folder(dataset: Path) -> None:
    """Before the first ingest into a plain folder: keep its content as version v0001."""
    if dataset.is_symlink() or not dataset.is_dir() or versions(dataset):
        return
    clean_incomplete(dataset)
    vdir = versions_dir(dataset)
    vdir.mkdir(parents=True, exist_ok=True)
    first = vdir / _next_name(dataset)
    shutil.copytree(dataset, first, copy_function=_link_or_copy_file)
    meta = first / META
    meta.mkdir(exist_ok=True)
    (meta / "summary.json").write_text(json.dumps({"version": first.name, "note": "导入前的原始数据 / the data before the first ingest"},
                                                  ensure_ascii=False, indent=2), encoding="utf-8")
    (meta / COMPLETE).write_text(first.name, encoding="utf-8")


@contextmanager
def locked(dataset: Path):
    """Exclusive use of the dataset for one writer (a publish, a rollback), across processes: the
    check that the dataset is still at the reviewed version and the swap happen under it."""
    dataset.parent.mkdir(parents=True, exist_ok=True)
    with open(dataset.parent / f".{dataset.name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def history_file(dataset: Path) -> Path:
    return versions_dir(dataset) / "history.jsonl"


def switch_to(dataset: Path, name: str, by: str = "") -> Path:
    """Point the dataset at the complete version `name` (a rollback, or undoing one), recorded in the
    versions' history; returns it. Every version stays on disk, so any switch can be undone."""
    clean_incomplete(dataset)
    target = next((v for v in versions(dataset) if v.name == name), None)
    if target is None:
        raise StoreError(f"没有完整的版本 {name}", f"no complete version {name}")
    before = current(dataset)
    point_to(dataset, target)
    entry = {"at": dt.datetime.now().isoformat(timespec="seconds"), "by": by, "from": before.name if before else None,
             "to": target.name}
    with open(history_file(dataset), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return target


def version_list(dataset: Path) -> list[dict]:
    """Every complete version, newest first: name, when, by whom, from which files, rows per table,
    whether it is the one shown now."""
    now = current(dataset)
    out = []
    for v in reversed(versions(dataset)):
        try:
            summary = json.loads((v / META / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        tables = summary.get("tables", {})
        out.append({"version": v.name, "current": now is not None and v.name == now.name,
                    "ingested_at": summary.get("ingested_at", ""), "published_by": summary.get("published_by", ""),
                    "sources": [Path(s).name for s in summary.get("sources", [])],
                    "changes": {t: (d.get("added", 0), d.get("updated", 0)) for t, d in tables.items()},
                    "note": summary.get("note", "")})
    return out


def rollback(dataset: Path, by: str = "") -> Path:
    """Point the dataset at the version before the current one; returns it."""
    clean_incomplete(dataset)
    if not dataset.is_symlink():
        raise StoreError(f"{dataset} 没有可回退的版本", f"{dataset} has no earlier version to roll back to")
    all_versions = versions(dataset)
    now = current(dataset)
    earlier = [v for v in all_versions if v.name < now.name]
    if not earlier:
        raise StoreError(f"{dataset} 已是最早的版本 {now.name}", f"{dataset} is at its oldest version {now.name}")
    return switch_to(dataset, earlier[-1].name, by)
