"""The pandas peer's shared code: load every table into pandas once (st.cache_data), the sidebar
filters, and the masks every page uses. Written the way a pandas user writes a Streamlit app:
read_parquet whole tables, merge the place names in once, then boolean masks and groupby per run.

Labels (coopdash.labels), number formatting (coopdash.fmt) and the Plotly builders (coopdash.charts)
are the dashboard's own, so the two apps draw the same cards and figures and the comparison is
about the data layer only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from coopdash.data.contract import TABLES
from coopdash.data.settings import data_dir, settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import t

K_START, K_END, K_STREETS, K_COMMUNITIES = "flt_start", "flt_end", "flt_streets", "flt_communities"
# BENCH_PANDAS_CACHE=resource keeps one shared copy (st.cache_resource) instead of st.cache_data's
# copy per run; the default is st.cache_data, as Streamlit's docs tell users to cache DataFrames.
CACHE = st.cache_resource if os.environ.get("BENCH_PANDAS_CACHE") == "resource" else st.cache_data


def _read(folder: Path, name: str) -> pd.DataFrame:
    file = folder / f"{name}.parquet"
    return pd.read_parquet(file if file.is_file() else folder / name)


@CACHE(show_spinner=False)
def load(folder: str) -> dict[str, pd.DataFrame]:
    """Every table, whole, with street and community codes merged onto the fact tables."""
    folder = Path(folder)
    d = {t_.name: _read(folder, t_.name) for t_ in TABLES}
    places = (d["compounds"][["compound_code", "compound_name", "community_code", "kind", "households"]]
              .merge(d["communities"][["community_code", "community_name", "street_code"]], on="community_code")
              .merge(d["streets"][["street_code", "street_name"]], on="street_code"))
    d["places"] = places
    keys = places[["compound_code", "community_code", "street_code"]]
    for name in ("service_orders", "cleanups", "repairs", "owners_committees"):
        d[name] = d[name].merge(keys, on="compound_code", how="left")
    d["cooperatives"] = d["cooperatives"].merge(
        d["communities"][["community_code", "community_name", "street_code"]], on="community_code").merge(
        d["streets"][["street_code", "street_name"]], on="street_code")
    for name in ("cleanups", "repairs"):
        d[name]["done_on"] = pd.to_datetime(d[name]["done_on"])
    for name, column in (("meetings", "held_on"), ("coop_members", "joined_on"), ("work_teams", "as_of"),
                         ("cooperatives", "founded_on"), ("owners_committees", "founded_on"),
                         ("management_history", "valid_from")):
        d[name][column] = pd.to_datetime(d[name][column])
    o = d["service_orders"]
    days = [o["submitted_at"].min(), o["submitted_at"].max(), o["resolved_at"].max()]
    for name, column in (("cleanups", "done_on"), ("repairs", "done_on"), ("meetings", "held_on"),
                         ("cooperatives", "founded_on"), ("owners_committees", "founded_on")):
        days += [d[name][column].min(), d[name][column].max()]
    days = [x for x in days if pd.notna(x)]
    d["bounds"] = pd.DataFrame({"first": [min(days).date()], "last": [max(days).date()]})
    return d


def data() -> dict[str, pd.DataFrame]:
    return load(str(data_dir()))


class Filters:
    """The window and scope of this run, with the masks the pages use."""

    def __init__(self, start: dt.date, end: dt.date, streets: list[str], communities: list[str]):
        self.start, self.end, self.streets, self.communities = start, end, streets, communities
        self.t0 = pd.Timestamp(start)
        self.t1 = pd.Timestamp(end) + pd.Timedelta(days=1)  # midnight after the last day
        self.d1 = pd.Timestamp(end)

    def scope(self, df: pd.DataFrame) -> pd.Series:
        """Rows whose street_code / community_code are in the chosen scope."""
        mask = pd.Series(True, index=df.index)
        if self.streets:
            mask &= df["street_code"].isin(self.streets)
        if self.communities:
            mask &= df["community_code"].isin(self.communities)
        return mask

    def days(self, column: pd.Series) -> pd.Series:
        """Dates within [start, end], both included."""
        return (column >= self.t0) & (column <= self.d1)

    def months(self) -> pd.DatetimeIndex:
        return pd.date_range(self.t0.to_period("M").to_timestamp(), self.d1, freq="MS")


def sidebar() -> Filters:
    d = data()
    ss = st.session_state
    first, last = d["bounds"].iloc[0]
    launch = settings().launch
    if K_START not in ss:
        qp = st.query_params
        ss[K_START] = dt.date.fromisoformat(qp["from"]) if "from" in qp else launch
        ss[K_END] = dt.date.fromisoformat(qp["to"]) if "to" in qp else last
        ss[K_STREETS] = qp.get_all("street")
        ss[K_COMMUNITIES] = qp.get_all("community")
    streets = d["streets"].sort_values("street_code")
    with st.sidebar:
        st.header(t("filter.heading"))
        lo, hi = min(first, launch), max(last, settings().report_date)
        st.date_input(t("filter.start"), key=K_START, min_value=lo, max_value=hi)
        st.date_input(t("filter.end"), key=K_END, min_value=lo, max_value=hi)
        st.multiselect(t("filter.streets"), options=list(streets["street_code"]),
                       format_func=dict(zip(streets["street_code"], streets["street_name"])).get, key=K_STREETS)
        comms = d["communities"]
        if ss[K_STREETS]:
            comms = comms[comms["street_code"].isin(ss[K_STREETS])]
        comms = comms.sort_values("community_code")
        ss[K_COMMUNITIES] = [c for c in ss[K_COMMUNITIES] if c in set(comms["community_code"])]
        st.multiselect(t("filter.communities"), options=list(comms["community_code"]),
                       format_func=dict(zip(comms["community_code"], comms["community_name"])).get,
                       key=K_COMMUNITIES)
    start, end = sorted((ss[K_START], ss[K_END]))
    return Filters(start, end, list(ss[K_STREETS]), list(ss[K_COMMUNITIES]))


def current() -> Filters:
    return st.session_state["pd_filters"]


def header(page_key: str, f: Filters) -> None:
    st.title(t(page_key))
    st.caption(fmt.window(f.start, f.end))


def cards(items: list[tuple], per_row: int = 4) -> None:
    """(label key, value, unit key or None for a share, decimals=2) → st.metric rows, formatted as the app."""
    for i in range(0, len(items), per_row):
        for col, item in zip(st.columns(per_row), items[i:i + per_row]):
            label, value, unit = item[:3]
            decimals = item[3] if len(item) > 3 else 2
            if unit is None:
                text = fmt.percent(value)
            else:
                shown = fmt.number(value, decimals)
                text = shown if shown == "—" else f"{shown} {t(unit)}"
            col.metric(t(label), text, border=True)


def share(a, b):
    return a / b if b else None


# ------------------------------------------------------------------ aggregations used by several pages
def management_on(d, day: pd.Timestamp) -> pd.DataFrame:
    """Each compound's latest management_history row dated on or before `day`."""
    mh = d["management_history"]
    return mh[mh["valid_from"] <= day].sort_values("valid_from").drop_duplicates("compound_code", keep="last")


def coops_in_scope(d, f: Filters) -> pd.DataFrame:
    co = d["cooperatives"]
    return co[f.scope(co) & (co["founded_on"] <= f.d1)]


def organisation_kpis(d, f: Filters) -> dict:
    co = coops_in_scope(d, f)
    comms = d["communities"]
    m = d["coop_members"]
    m = m[m["coop_code"].isin(co["coop_code"]) & (m["joined_on"] <= f.d1)]
    wt = d["work_teams"]
    wt = wt[wt["coop_code"].isin(co["coop_code"]) & (wt["as_of"] <= f.d1)]
    latest = wt.sort_values("as_of").drop_duplicates(["coop_code", "team"], keep="last")
    mt = d["meetings"]
    mt = mt[mt["coop_code"].isin(co["coop_code"]) & f.days(mt["held_on"])]
    five = co[["has_site", "has_signage", "has_roster", "has_rules", "has_service"]].all(axis=1)
    members, party = len(m), int(m["is_party_member"].sum())
    return {"pilot_communities": int((f.scope(comms) & comms["is_pilot"]).sum()), "cooperatives": len(co),
            "five_standard": int(five.sum()), "members": members, "party_members": party,
            "party_share": share(party, members), "work_team_headcount": int(latest["headcount"].sum()),
            "meetings": len(mt), "problems_resolved": int(mt["problems_resolved"].sum())}


def order_flags(o: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """is_submitted / is_resolved / submitted_resolved flags and hours to resolve, per order."""
    submitted = (o["status"] != "cancelled") & (o["submitted_at"] >= f.t0) & (o["submitted_at"] < f.t1)
    is_res = o["status"] == "resolved"
    resolved = is_res & (o["resolved_at"] >= f.t0) & (o["resolved_at"] < f.t1)
    return pd.DataFrame({"is_submitted": submitted, "is_resolved": resolved,
                         "submitted_resolved": submitted & is_res & (o["resolved_at"] < f.t1),
                         "hours": (o["resolved_at"] - o["submitted_at"]).dt.total_seconds() / 3600})


def order_kpis(d, f: Filters) -> dict:
    o = d["service_orders"]
    o = o[f.scope(o)]
    fl = order_flags(o, f)
    submitted, sr = int(fl["is_submitted"].sum()), int(fl["submitted_resolved"].sum())
    return {"resolved": int(fl["is_resolved"].sum()), "submitted": submitted, "submitted_resolved": sr,
            "resolution_rate": share(sr, submitted)}


def outcomes(d, f: Filters) -> dict:
    cl = d["cleanups"]
    cl = cl[f.scope(cl) & f.days(cl["done_on"])]
    rp = d["repairs"]
    rp = rp[f.scope(rp) & f.days(rp["done_on"])]
    tonnes = cl.groupby("waste_type")["tonnes"].sum()
    qty = rp.groupby("kind")["quantity"].sum()
    oc = d["owners_committees"]
    out = {"household_t": tonnes.get("household", 0.0), "construction_t": tonnes.get("construction", 0.0),
           "road_km": qty.get("road", 0.0), "heating_pipe_km": qty.get("heating_pipe", 0.0),
           "drainage_pipe_km": qty.get("drainage_pipe", 0.0), "building_doors": qty.get("building_door", 0.0),
           "stair_lights": qty.get("stair_light", 0.0), "seating": qty.get("seating", 0.0),
           "parking_spaces": qty.get("parking_space", 0.0),
           "owners_committees": int((f.scope(oc) & f.days(oc["founded_on"])).sum())}
    out["pipe_km"] = out["heating_pipe_km"] + out["drainage_pipe_km"]
    return out


def monthly_trend(d, f: Filters) -> pd.DataFrame:
    o = d["service_orders"]
    o = o[f.scope(o) & (o["status"] == "resolved") & (o["resolved_at"] >= f.t0) & (o["resolved_at"] < f.t1)]
    orders = o.groupby(o["resolved_at"].dt.to_period("M").dt.to_timestamp()).size().rename("orders_resolved")
    cl = d["cleanups"]
    cl = cl[f.scope(cl) & f.days(cl["done_on"])]
    tonnes = cl.pivot_table(index=cl["done_on"].dt.to_period("M").dt.to_timestamp(), columns="waste_type",
                            values="tonnes", aggfunc="sum")
    out = pd.DataFrame(index=f.months())
    out["orders_resolved"] = orders.reindex(out.index, fill_value=0)
    for waste in ("household", "construction"):
        out[f"{waste}_t"] = tonnes[waste].reindex(out.index).fillna(0) if waste in tonnes else 0.0
    return out.rename_axis("month").reset_index()


def streets_in_scope(d, f: Filters) -> pd.DataFrame:
    places = d["places"]
    return (places[f.scope(places)][["street_code", "street_name"]].drop_duplicates()
            .sort_values("street_code").reset_index(drop=True))
