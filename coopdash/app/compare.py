"""KPI cards compared with earlier periods (issue 16), built from metric names (issue 25): a flow figure
against the previous period of the same length (环比, the card's coloured delta) and the same period a
year before (同比, its note); a stock figure against the program's launch day, or, for a stock that moves
both ways within a window (the open backlog), against the end of the previous period. The figures and
which comparisons each gets come from the metrics layer (coopdash/data/metrics.py: a metric's kind):

- flows and ratios counted within the window (orders resolved, resolution rate, hours to resolve,
  ratings, tonnes, repairs, meetings, committees founded): 环比 and 同比;
- stocks that only grow with the program (cooperatives, members, work teams: founded or joined on or
  before the window's end): their change since the launch day, which is what the program has built;
- the open backlog and its age (orders open at the window's end): the backlog at the end of the previous
  period is the backlog the window started with, so the change is what the window added or cleared. A
  backlog a year before or at the launch says little about the window's work, so it has neither (and
  its queries are not run).

Colour by meaning is the card's (ui.Card(worse_when_up=True): more hours, more open or older orders
are bad). A page's passes (one cached statement per query for all its windows, or the district index's
answers) run side by side; pages that compare the same query over the same windows share its pass."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pandas as pd
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from coopdash.app import cache, sidebar, ui
from coopdash.data import metrics
from coopdash.data.filters import Filters
from coopdash.data.settings import settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import pick, t


def _flow_delta(now, previous, year, share: bool, decimals: int) -> dict:
    mom, yoy = change(now, previous, share, decimals), change(now, year, share, decimals)
    return {"delta": mom, "delta_note": t("delta.mom") + (" — " if mom is None else "") + pick("；", "; ")
            + t("delta.yoy", d=yoy or "—")}


def _previous_end_delta(now, before, share: bool, decimals: int) -> dict:
    delta = change(now, before, share, decimals)
    return {"delta": delta, "delta_note": t("delta.previous_end") + (" —" if delta is None else "")}


def _launch_delta(now, at_launch, share: bool, decimals: int) -> dict:
    delta = change(now, at_launch, share, decimals)
    return {"delta": delta, "delta_note": t("delta.since_launch") + (" —" if delta is None else "")}


# ---------------------------------------------------------------------------- through the metrics layer
class CacheRunner:
    """metrics.Runner over the app's cache: each pass one cached statement, within the session's scope."""

    def periods(self, query, params, windows):
        return cache.run_periods(query, windows, **params)

    def hours_totals(self, params):
        return cache.hours_totals(**params)


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
