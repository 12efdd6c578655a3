"""The metrics layer: every headline figure defined once, and one view's figures evaluated together.

A `Metric` says what a figure is — the named query (`queries/<query>.sql`, its definition) and the column
it comes from (or the columns summed), its kind, its unit, how many decimals it shows, whether more is
worse, its label and help keys — and nothing else in the code repeats it: the pages' cards
(coopdash/app/compare.py: `cards`), the briefing, the data office's before → after preview
(ingest/preview.py) and the comparisons all take metrics by name from `METRICS`.

Kinds, and the comparisons each gets (`COMPARED`):

- `flow`: counted within the window (orders resolved, tonnes, meetings): 环比 (the previous period of
  the same length) and 同比 (the same days a year before); also `since_launch`, the same flow from the
  launch to the window's end;
- `ratio`: a share of two flows (resolution rate, party share … shown in percent): as a flow;
- `stock`: as of the window's end (cooperatives, members): against the launch day;
- `backlog`: a stock that moves both ways (orders open at the end): against the previous period's end;
- `quantile`: the hours to resolve, from the hours index (coopdash/data/hours.py): as a flow;
- `baseline`: no comparison (pilot communities, compounds before the program).

`plan` turns "these metrics, these comparisons" into passes: one per source and kind of period set,
each pass one statement over all its windows (`db.execute_periods`: the named query once per window
inside one statement, so a view's 环比, 同比 and since-launch figures cost one parse, bind and plan
per family, not one per window). Stocks at the launch day are their own pass, since they depend on the
scope only (the app caches them per scope), and so are the flows since the launch.
District-wide, kpi_orders, orders_satisfaction and kpi_outcomes need no statement at all: their daily
rollups are held in memory (coopdash/data/district.py), held equal to the SQL by tests. `evaluate` runs a plan through a `Runner` — the app's
cache (coopdash/app/cache.py) or, on the command line and in the tests, the dataset's connection
(`DatasetRunner`) — and returns `Figures`.

No Streamlit and no caching here (the app caches the passes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

import pandas as pd

from coopdash.data import db, periods
from coopdash.data.scope import EVERYTHING, Scope

FLOW, RATIO, STOCK, BACKLOG, QUANTILE, BASELINE = "flow", "ratio", "stock", "backlog", "quantile", "baseline"
HOURS = "hours"  # the source of the quantiles: hours.Index.summary's district row (not a named query)

# the periods a view can ask for; "now" is the window itself
NOW, PREVIOUS, YEAR, LAUNCH, SINCE_LAUNCH, PREVIOUS_END = (
    "now", "previous", "year", "launch", "since_launch", "previous_end")
COMPARED = {FLOW: (PREVIOUS, YEAR, SINCE_LAUNCH), RATIO: (PREVIOUS, YEAR, SINCE_LAUNCH),
            QUANTILE: (PREVIOUS, YEAR), STOCK: (LAUNCH,), BACKLOG: (PREVIOUS_END,), BASELINE: ()}


@dataclass(frozen=True)
class Metric:
    name: str
    query: str  # the named query that defines it (or HOURS)
    columns: tuple[str, ...]  # its column; several are summed (e.g. tonnes = household_t + construction_t)
    kind: str
    unit: str | None  # unit label key; None: a share, shown in percent (its changes in points)
    label: str  # label key
    help: str | None = None  # help label key
    decimals: int = 2
    worse_when_up: bool = False

    @property
    def share(self) -> bool:
        return self.unit is None

    def value(self, row) -> object:
        """This metric's value in a row of its query (a mapping or a Series); None for no row."""
        if row is None:
            return None
        if len(self.columns) == 1:
            return row[self.columns[0]]
        return sum(0 if pd.isna(row[c]) else row[c] for c in self.columns)


def _m(name, query, column, kind, unit, label, help=None, **kw) -> Metric:
    columns = (column,) if isinstance(column, str) else tuple(column)
    return Metric(name, query, columns, kind, unit, label, help, **kw)


# ---------------------------------------------------------------------------------------------- registry
# One entry per figure. The label keys are the overview's (other pages may show a metric under their own
# label key: `compare.cards(…, labels={…})`).
REGISTRY: tuple[Metric, ...] = (
    # organisation (kpi_organisation): stocks at the window's end, flows within it
    _m("pilot_communities", "kpi_organisation", "pilot_communities", BASELINE, "unit.items", "kpi.pilot_communities"),
    _m("cooperatives", "kpi_organisation", "cooperatives", STOCK, "unit.items", "kpi.cooperatives", "help.stock"),
    _m("five_standard", "kpi_organisation", "five_standard", STOCK, "unit.items", "kpi.five_standard", "help.stock"),
    _m("work_team_headcount", "kpi_organisation", "work_team_headcount", STOCK, "unit.people",
       "kpi.work_team_headcount", "help.stock"),
    _m("members", "kpi_organisation", "members", STOCK, "unit.people", "kpi.members", "help.stock"),
    _m("party_members", "kpi_organisation", "party_members", STOCK, "unit.people", "kpi.party_members", "help.stock"),
    _m("party_share", "kpi_organisation", "party_share", STOCK, None, "kpi.party_share", "help.stock"),
    _m("meetings", "kpi_organisation", "meetings", FLOW, "unit.times", "kpi.meetings", "help.flow"),
    _m("problems_resolved", "kpi_organisation", "problems_resolved", FLOW, "unit.items", "kpi.problems_resolved",
       "help.flow"),
    # service orders (kpi_orders, orders_satisfaction, orders_backlog; the hours index)
    _m("orders_resolved", "kpi_orders", "resolved", FLOW, "unit.times", "kpi.orders_resolved", "help.flow"),
    _m("resolution_rate", "kpi_orders", "resolution_rate", RATIO, None, "kpi.resolution_rate", "help.resolution_rate"),
    _m("median_hours", HOURS, "median_hours", QUANTILE, "unit.hours", "orders.kpi.median_hours",
       "orders.help.median_hours", decimals=1, worse_when_up=True),
    _m("p90_hours", HOURS, "p90_hours", QUANTILE, "unit.hours", "orders.kpi.p90_hours", "orders.help.p90_hours",
       decimals=1, worse_when_up=True),
    _m("within_deadline_share", HOURS, "within_deadline_share", QUANTILE, None, "orders.kpi.within_deadline",
       "orders.help.within_deadline"),
    _m("open_orders", "orders_backlog", "open_orders", BACKLOG, "orders.unit.orders", "orders.kpi.backlog",
       "orders.help.backlog", worse_when_up=True),
    _m("backlog_median_age", "orders_backlog", "median_age_days", BACKLOG, "unit.days",
       "orders.kpi.backlog_median_age", "orders.help.backlog_age", decimals=1, worse_when_up=True),
    _m("backlog_oldest", "orders_backlog", "oldest_age_days", BACKLOG, "unit.days", "orders.kpi.backlog_oldest",
       "orders.help.backlog_age", decimals=1, worse_when_up=True),
    _m("mean_rating", "orders_satisfaction", "mean_rating", RATIO, "orders.unit.points", "orders.kpi.mean_rating",
       "orders.help.mean_rating"),
    _m("share_4_5", "orders_satisfaction", "share_4_5", RATIO, None, "orders.kpi.share_4_5", "orders.help.share_4_5"),
    _m("rated", "orders_satisfaction", "rated", FLOW, "orders.unit.orders", "orders.kpi.rated", "orders.help.rated"),
    # outcomes (kpi_outcomes): flows within the window
    _m("household_t", "kpi_outcomes", "household_t", FLOW, "unit.t", "kpi.household_t", "help.flow"),
    _m("construction_t", "kpi_outcomes", "construction_t", FLOW, "unit.t", "kpi.construction_t", "help.flow"),
    _m("tonnes", "kpi_outcomes", ("household_t", "construction_t"), FLOW, "unit.t", "kpi.tonnes", "help.flow"),
    _m("road_km", "kpi_outcomes", "road_km", FLOW, "unit.km", "kpi.road_km", "help.flow"),
    _m("heating_pipe_km", "kpi_outcomes", "heating_pipe_km", FLOW, "unit.km", "env.kpi.heating_pipe_km", "help.flow"),
    _m("drainage_pipe_km", "kpi_outcomes", "drainage_pipe_km", FLOW, "unit.km", "env.kpi.drainage_pipe_km",
       "help.flow"),
    _m("pipe_km", "kpi_outcomes", "pipe_km", FLOW, "unit.km", "kpi.pipe_km", "help.flow"),
    _m("building_doors", "kpi_outcomes", "building_doors", FLOW, "unit.items", "kpi.building_doors", "help.flow"),
    _m("stair_lights", "kpi_outcomes", "stair_lights", FLOW, "unit.items", "env.kpi.stair_lights", "help.flow"),
    _m("seating", "kpi_outcomes", "seating", FLOW, "unit.items", "env.kpi.seating", "help.flow"),
    _m("parking_spaces", "kpi_outcomes", "parking_spaces", FLOW, "unit.items", "kpi.parking_spaces", "help.flow"),
    _m("owners_committees", "kpi_outcomes", "owners_committees", FLOW, "unit.items", "kpi.owners_committees",
       "help.flow"),
    # the compound baseline (kpi_compounds)
    _m("compounds", "kpi_compounds", "compounds", BASELINE, "unit.items", "kpi.compounds"),
    _m("compounds_unmanaged_before", "kpi_compounds", "compounds_unmanaged_before", BASELINE, "unit.items",
       "kpi.compounds_unmanaged_before", "help.before"),
    _m("standalone_unmanaged_before", "kpi_compounds", "standalone_unmanaged_before", BASELINE, "unit.items",
       "kpi.standalone_unmanaged_before", "help.before"),
    _m("cooperative_managed", "kpi_compounds", "cooperative_managed", BASELINE, "unit.items",
       "kpi.cooperative_managed", "help.stock"),
)
METRICS: dict[str, Metric] = {m.name: m for m in REGISTRY}


def metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"no metric {name!r} in coopdash/data/metrics.py") from None


# ---------------------------------------------------------------------------------------------- windows
@dataclass(frozen=True)
class Window:
    """The window of a view, the launch day and the first day with records (None: none), from which
    every comparison's window follows."""
    start: dt.date
    end: dt.date
    launch: dt.date
    first_day: dt.date | None

    def span(self, period: str) -> tuple[dt.date, dt.date] | None:
        """(start, end) of `period`; None for an earlier period that ends before the first record."""
        if period == NOW:
            return self.start, self.end
        if period == LAUNCH:
            return self.launch, self.launch
        if period == SINCE_LAUNCH:
            return (self.launch, self.end) if self.start > self.launch else None
        span = (periods.year_before(self.start, self.end) if period == YEAR
                else periods.previous(self.start, self.end))  # PREVIOUS and PREVIOUS_END
        return None if self.first_day is None or span[1] < self.first_day else span


# ---------------------------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class Pass:
    """One statement: a named query (or the hours index) over one or more windows."""
    query: str
    periods: tuple[str, ...]


def plan(names: Iterable[str], comparisons: Iterable[str] = ()) -> list[Pass]:
    """The passes that evaluate `names` for the window and the `comparisons` their kinds get (any of
    PREVIOUS, YEAR, SINCE_LAUNCH, LAUNCH, PREVIOUS_END): per query, the windows of every metric of it
    in one pass, except the launch day (scope only: its own pass, cached apart from the window) and the
    flows since the launch (only 总览 asks for them: their own pass, so that the pages that compare with
    the same windows share one cached pass)."""
    wanted = set(comparisons)
    by_query: dict[str, set[str]] = {}
    for name in names:
        m = metric(name)
        by_query.setdefault(m.query, {NOW}).update(p for p in COMPARED[m.kind] if p in wanted)
    order = (NOW, PREVIOUS, YEAR, PREVIOUS_END)
    passes = []
    for query, wanted_periods in by_query.items():
        passes.append(Pass(query, tuple(p for p in order if p in wanted_periods)))
        passes += [Pass(query, (alone,)) for alone in (SINCE_LAUNCH, LAUNCH) if alone in wanted_periods]
    return passes


# ---------------------------------------------------------------------------------------------- evaluating
class Runner(Protocol):
    def periods(self, query: str, params: dict, windows: tuple[tuple[dt.date, dt.date], ...]) -> list[pd.DataFrame]:
        """The named query's rows for each window, the other parameters shared."""
    def hours_totals(self, params: dict) -> dict:
        """hours.Index.totals (the district row of its summary) for the parameters' window and scope."""


@dataclass
class DatasetRunner:
    """The passes on a dataset's connection within `scope` (command line, ingest's preview, tests)."""
    con: object
    index: object = None  # hours.Index of the same dataset version (needed for quantiles only)
    scope: Scope = EVERYTHING
    district: object = None  # district.District of the same dataset version: district-wide flows in memory

    def periods(self, query, params, windows):
        bound = self.scope.bind(params)
        if self.district is not None and self.district.answers(query, bound):
            return [self.district.answer(query, start, end, bound["streets"], bound["communities"],
                                         bound.get("launch")) for start, end in windows]
        return db.execute_periods(self.con, query, params, windows, self.scope)

    def hours_totals(self, params):
        return self.index.totals(params["start"], params["end"], self.scope.streets_for(params["streets"]),
                                 params["communities"])


@dataclass
class Figures:
    """Every figure of a view: `rows[period][query]` is the first row of the query for that period
    (a dict; None when the period has no data: it ends before the first record)."""
    window: Window
    rows: dict[str, dict[str, dict | None]] = field(default_factory=dict)

    def row(self, query: str, period: str = NOW) -> dict | None:
        return self.rows.get(period, {}).get(query)

    def value(self, name: str, period: str = NOW):
        """The metric's value in `period`; None when that period has no data."""
        m = metric(name)
        return m.value(self.row(m.query, period))

    def has(self, period: str) -> bool:
        """Whether `period` has data (was evaluated and does not end before the first record)."""
        return any(row is not None for row in self.rows.get(period, {}).values())

    def values(self, names: Sequence[str], period: str = NOW) -> dict[str, object]:
        return {name: self.value(name, period) for name in names}


def evaluate(runner: Runner, names: Sequence[str], window: Window, params: dict,
             comparisons: Iterable[str] = (), side_by_side: Callable[[list], list] | None = None) -> Figures:
    """`names` for `window` within the scope of `params` ($streets, $communities, $launch …), with the
    comparisons asked for, in the passes of `plan`; `side_by_side(calls)` runs the passes (the app runs
    them at the same time), by default one after another."""
    out = Figures(window)
    calls, into = [], []
    for p in plan(names, comparisons):
        spans = [(period, window.span(period)) for period in p.periods]
        for period, _span in spans:
            out.rows.setdefault(period, {})[p.query] = None
        live = [(period, span) for period, span in spans if span is not None]
        if not live:
            continue
        if p.query == HOURS:
            for period, (start, end) in live:
                calls.append(partial(_hours_row, runner, {**params, "start": start, "end": end}))
                into.append([(period, HOURS)])
            continue
        calls.append(partial(_first_rows, runner, p.query, params, tuple(span for _, span in live)))
        into.append([(period, p.query) for period, _ in live])
    results = side_by_side(calls) if side_by_side else [call() for call in calls]
    for targets, rows in zip(into, results):
        for (period, query), row in zip(targets, rows):
            out.rows[period][query] = row
    return out


def _first_rows(runner: Runner, query: str, params: dict, windows: tuple) -> list[dict | None]:
    return [frame.iloc[0].to_dict() if len(frame) else None for frame in runner.periods(query, params, windows)]


def _hours_row(runner: Runner, params: dict) -> list[dict]:
    return [runner.hours_totals(params)]
