"""What a reviewed batch would do to the dashboard: the headline figures of the street offices it
touches, before (the dataset now) and after (the dataset with the batch merged), from the same named
queries the pages run. The "after" dataset is a scratch folder beside the staged files: the merged
tables written, the others hard-linked from the current version, and its rollups as the publish would write
them (only the months the batch touched recomputed)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd

from coopdash.data import db, metrics, rollups
from coopdash.data.settings import settings
from ingest import store
from ingest.batch import Review

# the headline figures: metrics of coopdash/data/metrics.py (their query, columns, label and unit from there)
HEADLINE = ("orders_resolved", "tonnes", "road_km", "pipe_km", "cooperatives", "members", "meetings")
FAR_END = dt.date(2100, 12, 31)  # "everything recorded": the figures since the launch


def scratch_dataset(r: Review, dataset: Path, folder: Path) -> Path:
    """The dataset as it would be after publishing `r`, in `folder`: written afresh, so what an earlier review
    of the same batch left there (one that died at its memory limit, half-way) is never read."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    base = store.current(dataset)
    store.write_tables(base, folder, r.merge.tables)  # hard links (a locked connection reads no symlink out)
    if base is not None:  # the rollups the publish would write (only the touched months recomputed), not in memory
        rollups.update(base, folder, r.merge.months)
    return folder


def _codes(r: Review) -> dict[str, list[str]]:
    out = {"compounds": set(), "communities": set(), "coops": set(), "street_codes": set()}
    column = {"compound_code": "compounds", "community_code": "communities", "coop_code": "coops",
              "street_code": "street_codes"}
    for sheet in r.parsed:
        for row in sheet.rows:
            for col, key in column.items():
                if row.get(col):
                    out[key].add(str(row[col]))
    return {k: sorted(v) for k, v in out.items()}


def figures(con, streets: list[str]) -> dict[str, float]:
    """The headline metrics from the launch to everything recorded, for `streets` together: one statement
    per query (the metrics layer's plan)."""
    launch = settings().launch
    window = metrics.Window(launch, FAR_END, launch, None)
    p = {"streets": streets, "communities": [], "launch": launch}
    got = metrics.evaluate(metrics.DatasetRunner(con), HEADLINE, window, p)
    return {name: float(got.value(name) or 0) for name in HEADLINE}


def before_after(r: Review, dataset: Path, folder: Path) -> tuple[list[str], pd.DataFrame]:
    """The street offices the batch touches (codes) and, for them together, each headline figure
    before and after the publish."""
    after_con = db.open_dataset(scratch_dataset(r, dataset, folder))
    streets = db.execute(after_con, "admin_affected_streets", _codes(r))["street_code"].tolist()
    base = store.current(dataset)
    before = figures(db.open_dataset(base), streets) if base is not None and streets else {}
    after = figures(after_con, streets) if streets else {}
    # the label and unit keys: the page shows them in the session's language (coopdash/app/data_office.py)
    frame = pd.DataFrame([{"key": key, "label": metrics.metric(key).label, "unit": metrics.metric(key).unit,
                           "before": before.get(key, 0.0), "after": after.get(key, 0.0)} for key in HEADLINE])
    # sums of floating-point tonnes and kilometres added in another order differ in their last bits: a change
    # smaller than a millionth of a unit is none (it showed as "-0" at city scale)
    frame["change"] = (frame["after"] - frame["before"]).round(6) + 0.0
    return streets, frame
