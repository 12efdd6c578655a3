"""What a briefing says: every figure from the pages' own named queries (and the hours index and the
ranking the pages use), for one window and one scope. Nothing here formats or draws.

A `Source` runs the queries: in the app it is the pages' cache (coopdash/app/briefing.py), so the
briefing's figures are the very results the overview shows; the command line's `DatasetSource` runs
them on the dataset within a scope, as db.execute does for a signed-in user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from coopdash.data import db, metrics, periods, ranking
from coopdash.data.errors import Refused
from coopdash.data.filters import Filters
from coopdash.data.scope import EVERYTHING, Scope
from coopdash.data.settings import settings

# the indicators table's rows: metrics of coopdash/data/metrics.py (its label, unit, share and column)
INDICATOR_FLOWS = ("orders_resolved", "resolution_rate", "meetings", "problems_resolved", "household_t",
                   "construction_t", "road_km", "pipe_km", "building_doors", "parking_spaces", "owners_committees")
INDICATOR_STOCKS = ("cooperatives", "members", "party_members", "work_team_headcount")
# the overview's card queries: the window's flows and the stocks at its end
CARDS = ("kpi_organisation", "kpi_orders", "kpi_outcomes", "kpi_compounds")
# the flows' queries, compared with earlier periods (a new flow metric in INDICATOR_FLOWS brings its query)
FLOWS = tuple(dict.fromkeys(("kpi_organisation", "kpi_orders", "kpi_outcomes",
                             *(metrics.metric(name).query for name in INDICATOR_FLOWS))))
TREND = ("monthly_trend",)  # from the launch
PAGE = ("by_street", "orders_overdue", "orders_satisfaction", "orders_by_category", "org_coops",
        "briefing_silent_communities")  # the window


class Source(Protocol):
    def run_many(self, names: tuple[str, ...], params: dict) -> list[pd.DataFrame]: ...
    def hours_totals(self, params: dict) -> dict: ...
    def ranking(self, params: dict) -> pd.DataFrame: ...
    def first_day(self) -> dt.date | None: ...


@dataclass
class DatasetSource:
    """The named queries on a dataset's connection within `scope` (the command line's briefings)."""
    con: object
    index: object  # hours.Index of the same dataset version
    scope: Scope = EVERYTHING

    def run_many(self, names, params):
        return db.execute_many(self.con, list(names), params, self.scope)

    def hours_totals(self, params):
        return self.index.totals(params["start"], params["end"], self.scope.streets_for(params["streets"]),
                                 params["communities"])

    def ranking(self, params):
        return ranking.street_ranking(self.con, self.index, params, self.scope)

    def first_day(self):
        return db.execute(self.con, "data_bounds", {}, self.scope).iloc[0]["first_day"]


@dataclass
class Briefing:
    filters: Filters
    scope_name: str  # 全区 or the street offices' names
    launch: dt.date
    period: dict  # the cards' figures for the window (merged first rows of CARDS)
    cumulative: dict  # the flows from the launch to the window's end
    previous: dict | None  # the flows of the previous period of the same length (None: no data then)
    year: dict | None  # the same period a year before
    speed: dict  # hours to resolve, district row of the hours index (median, p90, within deadline)
    satisfaction: dict
    trend: pd.DataFrame  # monthly, from the launch to the window's end
    streets: pd.DataFrame  # by street office, the window
    categories: pd.DataFrame
    overdue: pd.DataFrame  # the oldest overdue open orders at the window's end
    overdue_total: int
    silent: pd.DataFrame  # communities with a cooperative and no record in the window
    coops: pd.DataFrame  # org_coops: every cooperative against the membership rules
    rules: dict
    ranking: pd.DataFrame | None = None
    ranking_refused: Refused | None = None
    previous_window: tuple[dt.date, dt.date] = field(default=(dt.date.min, dt.date.min))

    @property
    def one_month(self) -> bool:
        """The window is one calendar month (本月 rather than 本期)."""
        f = self.filters
        return f.start.day == 1 and f.start.month == f.end.month and f.start.year == f.end.year \
            and (f.end + dt.timedelta(days=1)).day == 1

    @property
    def failing(self) -> pd.DataFrame:
        return self.coops[~self.coops["all_ok"].astype(bool)] if len(self.coops) else self.coops


def _first_rows(frames) -> dict:
    out: dict = {}
    for frame in frames:
        out.update(frame.iloc[0].to_dict())
    return out


def gather(source: Source, f: Filters, scope_name: str) -> Briefing:
    """Every figure of the briefing for the window and scope of `f`."""
    cfg = settings()
    params = f.params()
    rules = dict(cfg.cooperative_rules)
    page_params = {**params, **rules}
    period = _first_rows(source.run_many(CARDS, params))
    cumulative = _first_rows(source.run_many(FLOWS, {**params, "start": min(cfg.launch, f.start)}))
    first_day = source.first_day()
    earlier = {}
    windows = {"previous": periods.previous(f.start, f.end), "year": periods.year_before(f.start, f.end)}
    for name, (start, end) in windows.items():
        no_data = first_day is None or end < first_day
        earlier[name] = None if no_data else _first_rows(source.run_many(FLOWS, {**params, "start": start, "end": end}))
    trend_params = {**page_params, "start": min(cfg.launch, f.start)}
    trend = source.run_many(TREND, trend_params)[0]
    streets, overdue, satisfaction, categories, coops, silent = source.run_many(PAGE, page_params)
    try:
        ranked, refused = source.ranking(params), None
    except Refused as refusal:
        ranked, refused = None, refusal
    return Briefing(
        filters=f, scope_name=scope_name, launch=cfg.launch, period=period, cumulative=cumulative,
        previous=earlier["previous"], year=earlier["year"], speed=source.hours_totals(params),
        satisfaction=satisfaction.iloc[0].to_dict(), trend=trend, streets=streets, categories=categories,
        overdue=overdue, overdue_total=int(overdue["overdue_total"].iloc[0]) if len(overdue) else 0,
        silent=silent, coops=coops, rules=rules, ranking=ranked, ranking_refused=refused,
        previous_window=windows["previous"])
