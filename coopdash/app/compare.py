"""KPI cards compared with earlier periods (issue 16): a flow figure against the previous period of
the same length (环比, the card's coloured delta) and the same period a year before (同比, its note); a
stock figure against the program's launch day, or, for a stock that moves both ways within a window
(the open backlog), against the end of the previous period. The same named queries as the card (and
the same hours index), with shifted dates.

Which cards get which (the pages apply it):

- flows, counted within the window (orders resolved, resolution rate, hours to resolve, ratings,
  tonnes, repairs, meetings, committees founded): `compared` — 环比 and 同比;
- stocks that only grow with the program (cooperatives, members, work teams: founded or joined on or
  before the window's end): `since_launch` — their change since the launch day, which is what the
  program has built;
- the open backlog and its age (orders open at the window's end): `at_previous_end` — the backlog at the
  end of the previous period is the backlog the window started with, so the change is what the window
  added or cleared. A backlog a year before or at the launch says little about the window's work, so
  it has neither (and its queries are not run).

Colour by meaning is the card's (ui.Card(worse_when_up=True): more hours, more open or older orders
are bad). Every earlier query is its own cache entry (cache.run: the pages that compare with the same
query share it, e.g. kpi_outcomes on 总览, 环境与修缮 and 组织建设) and all of a page's earlier queries
run side by side."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import partial

import pandas as pd
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from coopdash.app import cache, sidebar, ui
from coopdash.data import metrics, periods
from coopdash.data.filters import Filters
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import pick, t

# The district figures of the hours to resolve (cache.hours_summary) that `earlier(hours=True)` adds to
# the earlier rows (not its `resolved`: kpi_orders has the cards' own).
HOURS = ("median_hours", "p90_hours", "within_deadline_share")


def spans(f: Filters) -> dict[str, tuple | None]:
    """The previous period and the same period a year before, as (start, end); None for a period that
    ends before the first record (no data then)."""
    first_day = sidebar.data_window()[0]
    out = {}
    for name, (start, end) in (("previous", periods.previous(f.start, f.end)),
                               ("year", periods.year_before(f.start, f.end))):
        out[name] = None if end < first_day else (start, end)
    return out


def earlier(f: Filters, names: Sequence[str], at_end: Sequence[str] = (), hours: bool = False
            ) -> dict[str, dict | None]:
    """The first rows of the named queries, merged, for the previous period and the year before (None
    for a period that ends before the first record: no data then). `at_end`: queries of a stock at a
    period's end (orders_backlog), for the previous period only (see `at_previous_end`). `hours`: the
    district figures of the hours to resolve (HOURS) too, from the same index as the page's."""
    calls, into, of = [], [], spans(f)
    for period, span in of.items():
        if span is None:
            continue
        params = {**f.params(), "start": span[0], "end": span[1]}
        for name in (*names, *(at_end if period == "previous" else ())):
            calls.append(partial(_first_row, name, params))
            into.append(period)
        if hours:
            calls.append(partial(_hours_row, params))
            into.append(period)
    out: dict[str, dict | None] = {period: None if span is None else {} for period, span in of.items()}
    for period, row in zip(into, side_by_side(calls)):
        out[period].update(row)
    return out


def earlier_hours(f: Filters) -> dict[str, dict | None]:
    """The hours to resolve (HOURS, district-wide) of the previous period and the year before; None for
    a period without data (as `earlier`)."""
    return earlier(f, [], hours=True)


def at_launch(f: Filters, name: str) -> dict:
    """The first row of a stock query on the launch day, in the same scope. The window's start does not
    enter (a stock query's flows are not read here), so it is cached per scope, not per window."""
    launch = settings().launch
    return cache.run(name, **{**f.params(), "start": launch, "end": launch}).iloc[0].to_dict()


def compared(now, before: dict[str, dict | None], key: str, share: bool = False, decimals: int = 2) -> dict:
    """A flow card's delta (环比, coloured) and note (同比), from the earlier periods' rows (None: no data
    then): {"delta": …, "delta_note": …} for Card(**…)."""
    return _flow_delta(now, None if before["previous"] is None else before["previous"][key],
                       None if before["year"] is None else before["year"][key], share, decimals)


def _flow_delta(now, previous, year, share: bool, decimals: int) -> dict:
    mom, yoy = change(now, previous, share, decimals), change(now, year, share, decimals)
    return {"delta": mom, "delta_note": t("delta.mom") + (" — " if mom is None else "") + pick("；", "; ")
            + t("delta.yoy", d=yoy or "—")}


def at_previous_end(now, before: dict[str, dict | None], key: str, share: bool = False,
                    decimals: int = 2) -> dict:
    """A backlog card's delta: its change since the end of the previous period (the window's start),
    from `earlier(…, at_end=[…])`; "—" when that period has no data."""
    return _previous_end_delta(now, None if before["previous"] is None else before["previous"][key], share,
                               decimals)


def _previous_end_delta(now, before, share: bool, decimals: int) -> dict:
    delta = change(now, before, share, decimals)
    return {"delta": delta, "delta_note": t("delta.previous_end") + (" —" if delta is None else "")}


def since_launch(now, at_launch, key: str, share: bool = False, decimals: int = 2) -> dict:
    """A stock card's delta: its change since the program's launch."""
    return _launch_delta(now, at_launch[key], share, decimals)


def _launch_delta(now, at_launch, share: bool, decimals: int) -> dict:
    delta = change(now, at_launch, share, decimals)
    return {"delta": delta, "delta_note": t("delta.since_launch") + (" —" if delta is None else "")}


# ---------------------------------------------------------------------------- through the metrics layer
class CacheRunner:
    """metrics.Runner over the app's cache: each pass one cached statement, within the session's scope."""

    def periods(self, query, params, windows):
        return cache.run_periods(query, windows, **params)

    def hours(self, params):
        return cache.hours_summary(**params)


ALL = (metrics.PREVIOUS, metrics.YEAR, metrics.LAUNCH, metrics.PREVIOUS_END)  # every card comparison


def window(f: Filters) -> metrics.Window:
    return metrics.Window(f.start, f.end, settings().launch, sidebar.data_window()[0])


def figures(f: Filters, names: Sequence[str], comparisons: Sequence[str] = ALL, **params) -> metrics.Figures:
    """The metrics `names` for the sidebar's window and scope, with the comparisons their kinds get
    (metrics.COMPARED) among `comparisons`, in the metrics layer's passes, run side by side and cached.
    `params`: extra query parameters."""
    return metrics.evaluate(CacheRunner(), names, window(f), {**f.params(), **params}, comparisons, side_by_side)


def delta(fig: metrics.Figures, name: str) -> dict:
    """A metric's card delta and note for its kind (see the module's docstring), from the periods `fig`
    holds; {} when none of them was asked for."""
    m, now = metrics.metric(name), fig.value(name)
    if m.kind in (metrics.FLOW, metrics.RATIO, metrics.QUANTILE) and metrics.PREVIOUS in fig.rows:
        return _flow_delta(now, fig.value(name, metrics.PREVIOUS), fig.value(name, metrics.YEAR), m.share,
                           m.decimals)
    if m.kind == metrics.STOCK and metrics.LAUNCH in fig.rows:
        return _launch_delta(now, fig.value(name, metrics.LAUNCH), m.share, m.decimals)
    if m.kind == metrics.BACKLOG and metrics.PREVIOUS_END in fig.rows:
        return _previous_end_delta(now, fig.value(name, metrics.PREVIOUS_END), m.share, m.decimals)
    return {}


def card(fig: metrics.Figures, name: str, label: str | None = None, help: str | None = None, **given) -> ui.Card:
    """The card of metric `name`: its value, unit, decimals, colour sense and delta from the registry;
    `label` / `help`: a page's own label and help keys; `given`: Card fields set by the page (e.g. a
    value it computed another way)."""
    m = metrics.metric(name)
    fields = {"label_key": label or m.label, "value": fig.value(name), "unit_key": m.unit,
              "help_key": help if help is not None else m.help, "decimals": m.decimals,
              "worse_when_up": m.worse_when_up, **delta(fig, name)}
    return ui.Card(**{**fields, **given})


def cards(fig: metrics.Figures, names: Sequence[str], labels: dict[str, str] | None = None,
          helps: dict[str, str] | None = None) -> list[ui.Card]:
    """The cards of `names`, in order (`labels` / `helps`: a page's own keys by metric name)."""
    labels, helps = labels or {}, helps or {}
    return [card(fig, name, labels.get(name), helps.get(name)) for name in names]


def since_launch_cards(fig: metrics.Figures, names: Sequence[str]) -> list[ui.Card]:
    """The flows `names` from the launch to the window's end (their SINCE_LAUNCH values), labelled as
    totals (总览's "since the launch" row)."""
    out = []
    for name in names:
        m = metrics.metric(name)
        out.append(ui.Card(m.label, fig.value(name, metrics.SINCE_LAUNCH), m.unit, "help.since_launch",
                           label=t("kpi.since", label=t(m.label))))
    return out


def change(now, before, share: bool = False, decimals: int = 2) -> str | None:
    """A card's change: "+3", "-0.5", "0"; for a share in percentage points ("+2.5 个百分点"); None
    when either side has no value (the earlier period had no data)."""
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    diff = (float(now) - float(before)) * (100 if share else 1)
    text = fmt.number(diff, 1 if share else decimals)
    text = text if diff <= 0 or text.startswith("+") or text == "0" else "+" + text
    return t("delta.points", n=text) if share else text


def side_by_side(calls: Sequence[Callable[[], object]], at_most: int | None = None) -> list:
    """Call each of `calls` at the same time, at most `at_most` at once (the query pool's size), the
    first on this thread and the others on threads given this script run's context (the cache reads
    the session's scope from it); their results in order. DuckDB and numpy release the GIL, so the
    queries overlap. Outside a script run (no context), one after another."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or len(calls) < 2:
        return [call() for call in calls]
    results: list = [None] * len(calls)
    errors: list[BaseException] = []
    todo = iter(range(len(calls)))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                i = next(todo, None)
            if i is None:
                return
            try:
                results[i] = calls[i]()
            except BaseException as exc:  # noqa: BLE001 — raised on the script's thread below
                errors.append(exc)

    helpers = [add_script_run_ctx(threading.Thread(target=work, name="coopdash-compare", daemon=True), ctx)
               for _ in range(min(len(calls), at_most or settings().query_pool_threads) - 1)]
    for thread in helpers:
        thread.start()
    work()
    for thread in helpers:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _first_row(name: str, params: dict) -> dict:
    return cache.run(name, **params).iloc[0].to_dict()


def _hours_row(params: dict) -> dict:
    row = cache.hours_summary(**params)["district"].iloc[0]
    return {key: row[key] for key in HOURS}
