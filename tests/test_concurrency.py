"""20 sessions at once, each with its own filters, on a city-scale dataset (coopdash.citygen, 20,000
orders): no errors, and every session gets the figures of its own filters — the same as a run of
the same filters on its own (no result leaks between sessions through the shared connection, the
query cache or the session state).

Two ways: 20 threads calling the pages' named queries through cache.run (the cached, shared path every
page uses), and 20 real sessions of `streamlit run server.py` over websockets (tests/streamlit_ws.py)."""

import asyncio
import datetime as dt
import random
import threading

import pandas as pd
import pytest
import streamlit as st

from coopdash import ROOT
from coopdash.app import cache
from coopdash.data import db, hours
from coopdash.data.contract import COOP_MODE
from coopdash.data.settings import settings
from coopdash.synth import citygen
from tests.streamlit_ws import open_view, open_views, serve

SESSIONS = 20
PAGES = ("", "service_orders", "environment", "organisation")  # URL paths ("" is 总览)
# the named queries a viewer's pages call (overview, orders, environment, organisation, map)
QUERIES = ("kpi_organisation", "kpi_orders", "kpi_outcomes", "kpi_compounds", "monthly_trend", "by_street",
           "orders_backlog", "orders_satisfaction", "orders_by_street",
           "orders_by_category", "orders_monthly", "orders_category_month", "orders_overdue",
           "env_by_street", "env_repairs_cumulative", "org_coops", "org_members_by_background",
           "org_meetings_by_month", "org_committees_founded", "org_compounds_by_mode", "map_points",
           "map_status_counts")


@pytest.fixture(scope="module")
def places(city):
    con = db.open_dataset(city)
    streets = [s for (s,) in con.sql("SELECT street_code FROM streets ORDER BY 1").fetchall()]
    communities = con.sql("SELECT street_code, community_code FROM communities ORDER BY 2").fetchall()
    return streets, communities


def session_filters(i: int, places) -> dict:
    """Session i's own filters: its own window; a third of them one street office, a third one community."""
    streets, communities = places
    launch = settings().launch
    start = launch + dt.timedelta(days=30 * (i % 5))
    end = citygen.END - dt.timedelta(days=11 * i)
    f = {"start": start, "end": end, "streets": [], "communities": []}
    if i % 3 == 1:
        f["streets"] = [streets[i % len(streets)]]
    elif i % 3 == 2:
        street, community = communities[(7 * i) % len(communities)]
        f["streets"], f["communities"] = [street], [community]
    return f


def query_params(f: dict) -> dict:
    cfg = settings()
    return {**f, "launch": cfg.launch, **cfg.cooperative_rules, "modes": COOP_MODE.codes}


def run_together(target, n: int) -> list:
    """Run target(i) in n threads released at the same moment; results (or exceptions) by i."""
    barrier = threading.Barrier(n)
    out: list = [None] * n

    def go(i):
        barrier.wait()
        try:
            out[i] = target(i)
        except Exception as exc:  # noqa: BLE001 — asserted by the caller
            out[i] = exc
    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(600)
    return out


def test_twenty_sessions_querying_at_once_each_get_their_own_results(city, places, monkeypatch):
    monkeypatch.setenv("COOP_DATA_DIR", str(city))
    reference_con = db.open_dataset(city)
    params = [query_params(session_filters(i, places)) for i in range(SESSIONS)]
    expected = [{name: db.execute(reference_con, name, p) for name in QUERIES} for p in params]
    index = hours.load(city, reference_con)  # hours to resolve: the index the sessions share
    expected_hours = [index.summary(p["start"], p["end"], p["streets"], p["communities"]) for p in params]
    st.cache_data.clear()
    st.cache_resource.clear()

    def session(i):
        order = list(QUERIES)
        random.Random(i).shuffle(order)  # sessions hit different queries at the same moment
        first = {name: cache.run(name, **params[i]) for name in order}  # executed concurrently
        first_hours = cache.hours_summary(**params[i])  # the first sessions build the index together
        together = dict(zip(order, cache.run_many(order, **params[i])))  # side by side, as the pages run them
        again = {name: cache.run(name, **params[i]) for name in order}  # from the shared cache
        return (first, first_hours), (together, first_hours), (again, cache.hours_summary(**params[i]))

    results = run_together(session, SESSIONS)
    for i, result in enumerate(results):
        assert not isinstance(result, Exception), (i, result)
        for run, hours_run in result:
            for name in QUERIES:
                pd.testing.assert_frame_equal(run[name], expected[i][name], obj=f"session {i}: {name}")
            for kind, frame in expected_hours[i].items():
                pd.testing.assert_frame_equal(hours_run[kind], frame, obj=f"session {i}: hours {kind}")
    # the sessions really differ: a leak would have been visible
    assert len({int(e["kpi_orders"].iloc[0]["resolved"]) for e in expected}) > SESSIONS // 2


def page_and_link(i: int, places) -> tuple[str, str]:
    """Session i's page (URL path) and its link's query string (its filters)."""
    f = session_filters(i, places)
    query = f"from={f['start'].isoformat()}&to={f['end'].isoformat()}"
    query += "".join(f"&street={c}" for c in f["streets"]) + "".join(f"&community={c}" for c in f["communities"])
    return PAGES[i % len(PAGES)], query


def _chart_values(spec: str):
    """A Plotly spec with its binary arrays decoded and floats to 9 decimals: the same chart from two server
    runs differs only in the last bits of sums DuckDB's threads added in another order (month files)."""
    import base64
    import json

    import numpy as np

    def walk(x):
        if isinstance(x, dict):
            if "bdata" in x and "dtype" in x:
                values = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
                return [round(float(v), 9) for v in values]
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, list):
            return [walk(v) for v in x]
        return round(x, 9) if isinstance(x, float) else x
    return walk(json.loads(spec))


def test_twenty_browser_sessions_at_once_each_see_their_own_figures(city, places):
    """The real thing: `streamlit run server.py` and 20 websocket sessions (as 20 browser tabs)
    opening their links at the same moment, against the same links opened one at a time on a
    fresh server (so neither run reuses the other's cached results)."""
    specs = [page_and_link(i, places) for i in range(SESSIONS)]
    with serve(ROOT / "server.py", city) as server:
        expected = [asyncio.run(open_view(server.port, page, query)) for page, query in specs]
    with serve(ROOT / "server.py", city) as server:
        results = asyncio.run(open_views(server.port, specs))
    for i, (want, got) in enumerate(zip(expected, results)):
        assert want.finished and not want.exceptions, (i, want.exceptions)
        assert not isinstance(got, BaseException), (i, got)
        assert got.finished and not got.exceptions, (i, got.exceptions)
        assert want.metrics, f"session {i} shows no figures"
        assert got.metrics == want.metrics, f"session {i} ({specs[i]})"
        assert [_chart_values(c) for c in got.charts] == [_chart_values(c) for c in want.charts], \
            f"session {i} ({specs[i]})"
    # the sessions' figures differ (a few small scopes may coincide), so a leak would have shown
    assert len({str(e.metrics) for e in expected}) >= SESSIONS * 3 // 4
