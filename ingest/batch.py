"""One batch of ledgers, in two steps: `review` (read, validate, merge in memory: nothing changes)
and `publish` (write the merged tables as a new version and swap it in atomically).

The command line (ingest/cli.py) and the 数据管理 page (pages/data_admin.py) both use these two, so a
ledger is judged and written the same way whichever door it came in by. `publish` checks the
dataset is still at the version the review was made on (an optimistic check): if someone published
in between, it refuses instead of overwriting their work.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from coopdash.data.errors import ReadError, StoreError
from coopdash.data.files import PARTITION_TIME
from ingest import store
from ingest.parse import ParsedSheet, Problem, Where, parse_file
from ingest.readers import Skipped, read
from ingest.report import report_csv
from ingest.validate import Merge, check_and_merge, needed_tables

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
TODAY_ENV = "COOP_INGEST_TODAY"  # test hook, as the command line's hidden --today: the day "future" is judged against


def today() -> dt.date:
    value = os.environ.get(TODAY_ENV)
    return dt.date.fromisoformat(value) if value else dt.date.today()


@dataclass
class Review:
    files: list[Path]
    names: list[str]  # the files' names as the user gave them
    base: str | None  # the version the review was made on (None: a plain folder or nothing yet)
    parsed: list[ParsedSheet] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    merge: Merge | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.merge is not None and not self.errors

    @property
    def changes(self) -> int:
        """Rows the batch adds or changes: 0 means publishing would make a version identical to the current one."""
        if self.merge is None:
            return 0
        return sum(self.merge.added.values()) + sum(self.merge.updated.values())

    def sorted_problems(self) -> list[Problem]:
        """Errors first, then warnings, then notes; in file and row order within each."""
        return sorted(self.problems, key=lambda p: (SEVERITY_ORDER[p.severity], p.file, p.sheet, p.row or 0))


def version_of(dataset: Path) -> str | None:
    """The name of the version the dataset shows now (None for a plain folder or a missing one)."""
    return store.current(dataset).name if dataset.is_symlink() else None


def review(files: list[Path], dataset: Path, today: dt.date, names: list[str] | None = None,
           skipped: list[Skipped] = (), progress=None) -> Review:
    """Read and check every file and merge them with the dataset in memory. Changes nothing. `skipped` are the
    files found beside them that are not read (reported, never passed over silently); `progress()` is called
    when the files are read, before the merge."""
    names = names or [f.name for f in files]
    r = Review(files, names, version_of(dataset))
    for s in skipped:
        r.problems.append(Where(s.path.name, "").problem(s.severity, s.zh, s.en))
    for f, name in zip(files, names):
        try:
            sheets = read(f)
        except ReadError as exc:
            r.problems.append(Where(name, "").problem("error", exc.zh, exc.en))
            continue
        r.parsed += parse_file(sheets, name, r.problems)
    if progress is not None:
        progress()  # read and parsed: now the checks and the merge
    base = store.current(dataset)
    if base is None and dataset.exists():
        raise StoreError(f"{dataset} 不是文件夹", f"{dataset} is not a folder")
    # the fact tables are merged from their month files (validate._merge_partitioned), never read whole here
    existing = store.read_tables(base, needed_tables({s.table.name for s in r.parsed}) - set(PARTITION_TIME))
    r.merge = check_and_merge(r.parsed, existing, today, r.problems, base) if r.parsed else None
    if not r.errors and not any(s.rows for s in r.parsed):
        r.problems.append(Where("、".join(names), "").problem("error", "没有可导入的数据行", "no data rows to import"))
    elif r.ok and not r.changes:
        r.problems.append(Where("、".join(names), "").problem(
            "info", NO_CHANGE[0] + "（所有行与当前版本相同）", NO_CHANGE[1] + " (every row is as in the current version)"))
    return r


NO_CHANGE = ("无变化，未发布新版本", "nothing changed: no new version published")


def publish(r: Review, dataset: Path, by: str = "", sources: list[str] | None = None) -> Path | None:
    """Write the reviewed batch as a new version and swap it in; the version records who published it,
    when, and from which files. None, and nothing written, when the batch changes nothing. Refused when the
    review has errors or the dataset has changed since."""
    if not r.ok:
        raise StoreError("审核有错误，不能发布", "the review has errors: nothing to publish")
    if not r.changes:
        return None
    with store.locked(dataset):
        if version_of(dataset) != r.base:
            raise StoreError("审核之后数据集已有新版本（其他管理员已发布或回退），请重新审核",
                             "the dataset changed since your review (someone published or rolled back): review again")
        return _publish(r, dataset, by, sources)


def _publish(r: Review, dataset: Path, by: str, sources: list[str] | None) -> Path:
    store.adopt_plain_folder(dataset)
    merge = r.merge
    summary = {
        "ingested_at": dt.datetime.now().isoformat(timespec="seconds"),
        "published_by": by,
        "based_on": r.base,
        "sources": sources or [str(f) for f in r.files],
        "tables": {name: {"added": merge.added[name], "updated": merge.updated[name],
                          "unchanged": merge.unchanged[name], "rows": merge.tables[name].num_rows}
                   for name in merge.tables},
        "warnings": sum(p.severity == "warning" for p in r.problems),
        "dropped_personal_columns": sorted({p.column for p in r.problems if p.kind == "personal"}),
    }
    version = store.write_version(dataset, merge.tables, summary, report_csv(r.problems), months=merge.months)
    store.point_to(dataset, version)
    return version
