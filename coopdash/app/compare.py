"""KPI cards compared with earlier periods (issue 16): a flow figure against the previous period of
the same length (环比, the card's coloured delta) and the same period a year before (同比, its note); a
stock figure against the program's launch day. The same named queries as the card, with shifted dates."""

from __future__ import annotations

import pandas as pd

from coopdash.app import cache, sidebar
from coopdash.data import periods
from coopdash.data.filters import Filters
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import pick, t


def earlier(f: Filters, names: list[str]) -> dict[str, dict | None]:
    """The first rows of the named queries, merged, for the previous period and the year before (None
    for a period that ends before the first record: no data then)."""
    first_day = sidebar.data_window()[0]
    out: dict[str, dict | None] = {}
    for name, (start, end) in (("previous", periods.previous(f.start, f.end)),
                               ("year", periods.year_before(f.start, f.end))):
        if end < first_day:
            out[name] = None
            continue
        merged: dict = {}
        for frame in cache.run_many(names, **{**f.params(), "start": start, "end": end}):
            merged.update(frame.iloc[0].to_dict())
        out[name] = merged
    return out


def at_launch(f: Filters, name: str) -> dict:
    """The first row of a stock query on the launch day, in the same scope."""
    return cache.run(name, **{**f.params(), "end": settings().launch}).iloc[0].to_dict()


def compared(now, before: dict[str, dict | None], key: str, share: bool = False, decimals: int = 2) -> dict:
    """A flow card's delta (环比, coloured) and note (同比), from the earlier periods' rows (None: no data
    then): {"delta": …, "delta_note": …} for Card(**…)."""
    mom = change(now, before["previous"][key], share, decimals) if before["previous"] is not None else None
    yoy = change(now, before["year"][key], share, decimals) if before["year"] is not None else None
    return {"delta": mom, "delta_note": t("delta.mom") + (" — " if mom is None else "") + pick("；", "; ")
            + t("delta.yoy", d=yoy or "—")}


def since_launch(now, at_launch, key: str, share: bool = False) -> dict:
    """A stock card's delta: its change since the program's launch."""
    delta = change(now, at_launch[key], share)
    return {"delta": delta, "delta_note": t("delta.since_launch") + (" —" if delta is None else "")}


def change(now, before, share: bool = False, decimals: int = 2) -> str | None:
    """A card's change: "+3", "-0.5", "0"; for a share in percentage points ("+2.5 个百分点"); None
    when either side has no value (the earlier period had no data)."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    diff = (float(now) - float(before)) * (100 if share else 1)
    text = fmt.number(diff, 1 if share else decimals)
    text = text if diff <= 0 or text.startswith("+") else "+" + text
    return t("delta.points", n=text) if share else text


