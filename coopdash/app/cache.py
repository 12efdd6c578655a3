"""The one caching boundary: every `st.cache_resource` and `st.cache_data` of the app is here.

Pages and app modules ask this module for data; it opens one locked-down connection per dataset
version (coopdash/data/db.py), runs named queries on it and keeps the results per dataset version
and per the parameters each query reads. The data layer below knows nothing of Streamlit.

Every query runs within the session user's data scope (coopdash/app/session.scope, applied by the
data layer: coopdash/data/scope.py), and the scope is part of every cache key, so one user's scoped
result is never handed to another.

A dataset version is (folder, fingerprint): the fingerprint changes when the dataset's files or its
symlink change (a publish), so the next run of every session reads the new version through new cache
entries, never a mix. The first run that sees a new version releases the one this process served before
(`_switched`): its connection, hours index and district index (hundreds of MB at city scale) and every cached
result leave the cache, so that a publish does not leave the process holding two versions. A session still
running on the old ones keeps its references until its run ends, then they are freed.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from coopdash.app import heap, maps, session
from coopdash.app.state import K_VERSION
from coopdash.data import db, district, files, hours, ranking, rollups
from coopdash.data.errors import Refused
from coopdash.data.scope import Scope
from coopdash.data.settings import data_dir, settings
from coopdash.workbench import explorer

_cfg = settings()


def version() -> tuple[str, str]:
    """The current dataset version: its folder and fingerprint. Within a script run, the version `pin_version`
    read at the run's start: one look at the folder per run, not one per query (a dozen stats each; under a
    burst of new sessions those were 5–12 % of the server's time), and every query of a run reads one
    version even if a publish lands halfway through it."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None and K_VERSION in ctx.session_state:
        return ctx.session_state[K_VERSION]
    return _current()


def pin_version() -> tuple[str, str]:
    """Read the dataset's current version for this run (dashboard.py, first thing in each run)."""
    current = _current()
    st.session_state[K_VERSION] = current
    return current


def _current() -> tuple[str, str]:
    folder = data_dir()
    current = str(folder), files.fingerprint(folder)
    if _served.get(current[0]) != current[1]:
        _switched(*current)
    return current


_served: dict[str, str] = {}  # dataset folder → the fingerprint of the version this process serves
_served_lock = threading.Lock()


def _switched(folder: str, fingerprint: str) -> None:
    """`fingerprint` is the current version of `folder` now: the version served before it (if any) leaves the
    caches — its connection, hours index, district index and bounds, and every cached result (all of the old
    version but what a run started since has put there: a few queries run again) — so that the process holds one
    version's resources, not two (bench/publish_memory.py). Objects a running session holds stay usable until it
    lets go of them."""
    with _served_lock:
        old = _served.get(folder)
        if old == fingerprint:
            return
        _served[folder] = fingerprint
    if old is None:
        return
    for resource in (_hours_index, _district, _connection, bounds):
        resource.clear(folder, old)
    for cached in (_run, _run_many, _run_periods, _run_sql, _answer, _hours_summary, _hours_totals,
                   _street_ranking, _street_names, _community_names):
        cached.clear()


# ---------------------------------------------------------------------------- connections
@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(folder: str, fingerprint: str) -> duckdb.DuckDBPyConnection:
    return _trimmed_when_freed(db.open_dataset(Path(folder)))


def _trimmed_when_freed(resource):
    """`resource` (a version's connection, hours index or district index), the memory it frees handed back to
    the operating system once it is freed (heap.trim): when `_switched` released it and the last session let go."""
    weakref.finalize(resource, heap.trim)
    return resource


def connection() -> duckdb.DuckDBPyConnection:
    """The base connection of the current dataset version (reopened when its files change)."""
    return _connection(*version())


def console_dataset() -> tuple[str, str]:
    """The dataset version analysts' own SQL runs on, in the console's worker processes (never on this
    process's connections: coopdash/workbench/sandbox.py). Refused to a role without the console
    and to any scoped user (raw SQL reads every street office)."""
    session.scope().require_everything("使用 SQL 查询", "use the SQL console")
    if not session.may("sql_console"):
        r = session.role()
        raise Refused(f"本账号（{r.zh}）不能使用 SQL 查询", f"your role ({r.en}) may not use the SQL console")
    return version()


# ---------------------------------------------------------------------------- named queries
@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _run(folder: str, fingerprint: str, name: str, params: dict, scope: Scope) -> pd.DataFrame:
    return db.execute(_connection(folder, fingerprint), name, params, scope)


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _run_many(folder: str, fingerprint: str, names: tuple[str, ...], params: dict,
              scope: Scope) -> list[pd.DataFrame]:
    return db.execute_many(_connection(folder, fingerprint), names, params, scope)


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _run_periods(folder: str, fingerprint: str, name: str, params: dict, windows: tuple,
                 scope: Scope) -> list[pd.DataFrame]:
    return db.execute_periods(_connection(folder, fingerprint), name, params, windows, scope)


@st.cache_data(max_entries=_cfg.explorer_cache_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _run_sql(folder: str, fingerprint: str, sql: str, params: dict) -> pd.DataFrame:
    return db.fetch(_connection(folder, fingerprint), sql, params, "explorer")


def run(name: str, **params) -> pd.DataFrame:
    """`queries/<name>.sql` on the current dataset, cached per dataset version and per the parameters
    the query reads (a filter it does not read reuses the cached result), within the user's scope.
    A query the in-memory district index answers for these filters (coopdash/data/district.py) is
    answered there, without a statement."""
    held = _in_memory(name, params)
    return held if held is not None else _run(*version(), name, db.used(params, [name]), session.scope())


def run_many(names: Sequence[str], **params) -> list[pd.DataFrame]:
    """Several named queries on the same filters, run side by side and cached together. The results
    in the order of `names`."""
    held = {name: frame for name in names if (frame := _in_memory(name, params)) is not None}
    rest = [name for name in names if name not in held]
    ran = dict(zip(rest, _run_many(*version(), tuple(rest), db.used(params, rest), session.scope()) if rest else []))
    return [held[name] if name in held else ran[name] for name in names]


def _in_memory(name: str, params: dict) -> pd.DataFrame | None:
    """`name` from the district index when it answers these filters within the user's scope, else None."""
    bound = session.scope().bind(params)
    if not district.District.answers(name, bound) or "start" not in params or "end" not in params:
        return None
    return _held(name, params, bound)


def _held(name: str, params: dict, bound: dict) -> pd.DataFrame:
    """The district index's answer, kept like a query's result (a cached view then costs no more than
    before: a few milliseconds of numpy per answer become a cache hit)."""
    reads = db.load_query(name)[1]
    return _answer(*version(), name, params["start"] if "start" in reads else None, params["end"],
                   tuple(sorted(bound.get("streets") or ())), tuple(sorted(bound.get("communities") or ())),
                   params.get("launch") if "launch" in reads else None)


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _answer(folder: str, fingerprint: str, name: str, start, end, streets: tuple, communities: tuple,
            launch) -> pd.DataFrame:
    return _district(folder, fingerprint).answer(name, start, end, streets, communities, launch)


def run_periods(name: str, windows: Sequence[tuple[dt.date, dt.date]], **params) -> list[pd.DataFrame]:
    """One named query over several windows [(start, end), …] in one statement (db.execute_periods: the
    metrics layer's passes, coopdash/data/metrics.py), cached per dataset version, windows, the other
    parameters the query reads and the scope. Each window's rows in the order of `windows`."""
    scope = session.scope()
    bound = scope.bind(params)
    if district.District.answers(name, bound):  # in memory, no statement (coopdash/data/district.py)
        return [_held(name, {**params, "start": start, "end": end}, bound) for start, end in windows]
    reads = db.load_query(name)[1]
    rest = {k: v for k, v in db.used(params, [name]).items() if k not in ("start", "end")}
    # a window's day the query does not read would only split the cache (kpi_compounds reads no $start)
    windows = tuple((start if "start" in reads else None, end if "end" in reads else None) for start, end in windows)
    return _run_periods(*version(), name, rest, windows, scope)


def explore(spec: explorer.Spec, filters) -> pd.DataFrame:
    """The explorer's result for `spec` (whitelisted identifiers, bound values: coopdash.workbench.explorer),
    within the sidebar's filters when the spec asks and always within the user's scope; cached. The
    query is recorded in the audit trail when it differs from this session's last one."""
    sql, params = explorer.build(spec, filters, session.scope())
    session.explorer_query(explorer.to_query(spec), sql, params)
    return _run_sql(*version(), sql, params)


# ---------------------------------------------------------------------------- hours to resolve
@st.cache_resource(max_entries=2, show_spinner=False)
def _hours_index(folder: str, fingerprint: str) -> hours.Index:
    index = hours.load(Path(folder), _connection(folder, fingerprint))
    pa.default_memory_pool().release_unused()  # the batches read while loading
    return _trimmed_when_freed(index)


@st.cache_resource(max_entries=2, show_spinner=False)
def _district(folder: str, fingerprint: str) -> district.District:
    """The district-wide daily rollups in memory (coopdash/data/district.py), per dataset version."""
    # loaded through connections of its own, each closed once read (a lower peak: docs/deploy.md); not for a
    # dataset whose rollups are not current (each new connection would rebuild them in memory)
    current = all(rollups.is_current(Path(folder), name) for name in rollups.NAMES)
    index = district.District(_connection(folder, fingerprint),
                              loaders=partial(db.open_dataset, Path(folder)) if current else None)
    pa.default_memory_pool().release_unused()  # the frames read while loading
    return _trimmed_when_freed(index)


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _hours_summary(folder: str, fingerprint: str, start: dt.date, end: dt.date, streets: tuple,
                   communities: tuple) -> dict[str, pd.DataFrame]:
    return _hours_index(folder, fingerprint).summary(start, end, streets, communities)


def hours_summary(start: dt.date, end: dt.date, streets=(), communities=(), **_filters) -> dict[str, pd.DataFrame]:
    """hours.Index.summary for the current dataset, cached per dataset version and filters, within the
    user's scope. Takes the page's filter parameters whole (the ones it does not use are ignored)."""
    streets = session.scope().streets_for(streets)
    return _hours_summary(*version(), start, end, tuple(sorted(streets)), tuple(sorted(communities)))


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _hours_totals(folder: str, fingerprint: str, start: dt.date, end: dt.date, streets: tuple,
                  communities: tuple) -> dict:
    return _hours_index(folder, fingerprint).totals(start, end, streets, communities)


def hours_totals(start: dt.date, end: dt.date, streets=(), communities=(), **_filters) -> dict:
    """hours.Index.totals (the district row of hours_summary), cached and scoped as hours_summary: the cards
    and their comparison windows."""
    streets = session.scope().streets_for(streets)
    return _hours_totals(*version(), start, end, tuple(sorted(streets)), tuple(sorted(communities)))


@st.cache_data(max_entries=_cfg.cache_max_entries, ttl=_cfg.cache_ttl_seconds, show_spinner=False)
def _street_ranking(folder: str, fingerprint: str, params: dict, scope: Scope) -> pd.DataFrame:
    return ranking.street_ranking(_connection(folder, fingerprint), _hours_index(folder, fingerprint), params, scope,
                                  district=_district(folder, fingerprint))


def street_ranking(**params) -> pd.DataFrame:
    """The street-office ranking (coopdash/data/ranking.py) for the page's filters, cached; raises
    Refused when the user's scope does not allow district figures."""
    scope = session.scope()
    ranking.refuse_unless_allowed(scope)  # before the cache: a refusal is not cached
    return _street_ranking(*version(), db.used(params, ["street_ranking"]), scope)


# ---------------------------------------------------------------------------- the sidebar's lookups
# They change only with the dataset: kept per dataset version as plain values, shared by all sessions,
# instead of fetching (unpickling) and converting cached frames on every run. Callers must not modify them.
@st.cache_resource(max_entries=8, show_spinner=False)
def bounds(folder: str, fingerprint: str) -> tuple:
    """(first, last) day with records in the dataset version (None where it has none)."""
    row = run("data_bounds").iloc[0]
    return row["first_day"], row["last_day"]


@st.cache_resource(max_entries=64, show_spinner=False)
def _street_names(folder: str, fingerprint: str, scope: Scope) -> dict[str, str]:
    streets = run("street_options", streets=[])
    return dict(zip(streets["street_code"].tolist(), streets["street_name"].tolist()))


def street_names(folder: str, fingerprint: str) -> dict[str, str]:
    """Street code → name, of the street offices the user may see."""
    return _street_names(folder, fingerprint, session.scope())


@st.cache_resource(max_entries=256, show_spinner=False)
def _community_names(folder: str, fingerprint: str, streets: tuple[str, ...], scope: Scope) -> dict[str, str]:
    communities = run("community_options", streets=list(streets))
    return dict(zip(communities["community_code"].tolist(), communities["community_name"].tolist()))


def community_names(folder: str, fingerprint: str, streets: tuple[str, ...]) -> dict[str, str]:
    """Community code → name in `streets` (all when empty), within the user's scope."""
    return _community_names(folder, fingerprint, streets, session.scope())


# ---------------------------------------------------------------------------- the map's layer rows
map_records_json = st.cache_data(max_entries=64, ttl=_cfg.cache_ttl_seconds, show_spinner=False,
                                 hash_funcs={pd.DataFrame: maps.digest})(maps.records_json)

# ---------------------------------------------------------------------------- once per process
freeze_after_start = st.cache_resource(show_spinner=False)(heap.freeze)


def warm() -> None:
    """What a process's first page view would otherwise do (coopdash/app/warmup.py): open the current
    dataset version, load its hours index, import and freeze the pages' modules."""
    _district(*version())  # first: its loading scans' peak comes before the hours index is held (docs/deploy.md)
    _hours_index(*version())
    freeze_after_start()
