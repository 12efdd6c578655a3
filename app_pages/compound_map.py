"""小区地图 — every compound and standalone building coloured by its management before the program
and on the window's end, the change in numbers beside it, and one compound's work in the window."""

from functools import partial

import streamlit as st

from coopdash import db, fmt, maps, presentation, ui
from coopdash.contract import MANAGEMENT, TABLES_BY_NAME
from coopdash.labels import t
from coopdash.settings import data_dir, settings
from coopdash.sidebar import current

K_STATE, K_COMPOUND, K_LAST_PICK = "map_state", "map_compound", "map_last_pick"

f = current()
p = f.params()
ui.header("page.map")

points = db.run("map_points", **p)
if points.empty:
    ui.empty()
    st.stop()
counts = db.run("map_status_counts", **p)
seats = db.run("map_street_seats", **p)
boundaries = maps.load_boundaries(data_dir())
if boundaries.error_zh:
    st.warning(boundaries.error_zh)
    st.caption(boundaries.error_en)

# The chosen compound: from the selectbox below, or from a click on the map (callback).
codes = list(points["compound_code"])
by_code = points.set_index("compound_code")
if st.session_state.get(K_COMPOUND) not in codes:
    st.session_state[K_COMPOUND] = None
chart_key = maps.chart_key(f.streets, f.communities)


def follow_map(key: str) -> None:
    """A click on the map chooses that compound (and an empty click clears the choice)."""
    pick = (key, maps.picked_code(st.session_state.get(key)))
    if pick != st.session_state.get(K_LAST_PICK):
        st.session_state[K_LAST_PICK] = pick
        st.session_state[K_COMPOUND] = pick[1]


st.markdown(f"**{t('map.change.title')}**")
for col, row in zip(st.columns(len(counts)), counts.itertuples(index=False)):
    col.metric(MANAGEMENT.label(row.management), f"{fmt.number(row.n_after)} {t('unit.items')}",
               delta=f"{row.n_change:+,} {t('unit.items')}" if row.n_change else 0,
               delta_color=maps.DELTA_COLOUR[row.management],
               delta_description=t("map.change.description"), border=True,
               help=t("map.change.help", before=fmt.number(row.n_before), after=fmt.number(row.n_after)))

state_names = {"before": t("map.state.before", day=fmt.date(p["launch"])),
               "after": t("map.state.after", day=fmt.date(f.end))}
state = st.segmented_control(t("map.state.label"), list(state_names), default="after", required=True,
                             format_func=state_names.get, key=K_STATE, help=t("map.state.help"))

present = presentation.is_present()
height = maps.MAP_HEIGHT_PRESENT if present else maps.MAP_HEIGHT
records = maps.point_records(points, state)
chosen = st.session_state[K_COMPOUND]
deck = maps.build_deck(
    records, seats, maps.fit_view(points["lon"], points["lat"], height_px=height), boundaries.geojson,
    settings().tile_url, settings().tile_attribution,
    selected=records[codes.index(chosen)] if chosen else None, height=height)

left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(deck, on_select=partial(follow_map, chart_key), selection_mode="single-object",
                    key=chart_key, height=height)
with right:
    st.markdown(f"**{t('map.legend.title')}**  \n{state_names[state]}")
    st.markdown(maps.legend_html(counts, state, large=present), unsafe_allow_html=True)
    st.caption(t("map.legend.size"))

st.divider()
code = st.selectbox(
    t("map.pick.label"), codes, index=None, key=K_COMPOUND, placeholder=t("map.pick.placeholder"),
    format_func=lambda c: t("map.pick.option", name=by_code.at[c, "compound_name"],
                            community=by_code.at[c, "community_name"]))
if code:
    c = by_code.loc[code]
    st.subheader(c["compound_name"])
    st.caption(maps.compound_facts(c))
    st.markdown(maps.compound_state(c))

    col = {name: {c_.name: c_.label for c_ in TABLES_BY_NAME[name].columns}
           for name in ("service_orders", "cleanups", "repairs")}
    orders = maps.label_orders(db.run("map_compound_orders", **p, compound=code))
    st.markdown(f"**{t('map.detail.orders', count=fmt.number(len(orders)))}**")
    if orders.empty:
        ui.empty()
    else:
        so = col["service_orders"]
        ui.table(orders, {"order_id": (so["order_id"], "text"), "category": (so["category"], "text"),
                          "submitted_at": (so["submitted_at"], "datetime"),
                          "resolved_at": (so["resolved_at"], "datetime"), "status": (so["status"], "text"),
                          "open_at_end": (t("map.col.open_at_end"), "bool"),
                          "rating": (so["rating"], "int")}, key="map_orders")
    left, right = st.columns(2)
    with left:
        cleanups = maps.label_cleanups(db.run("map_compound_cleanups", **p, compound=code))
        st.markdown(f"**{t('map.detail.cleanups', count=fmt.number(len(cleanups)))}**")
        if cleanups.empty:
            ui.empty()
        else:
            cl = col["cleanups"]
            ui.table(cleanups, {"cleanup_id": (cl["cleanup_id"], "text"), "done_on": (cl["done_on"], "date"),
                                "waste_type": (cl["waste_type"], "text"), "tonnes": (cl["tonnes"], "float")},
                     key="map_cleanups")
    with right:
        repairs = maps.label_repairs(db.run("map_compound_repairs", **p, compound=code))
        st.markdown(f"**{t('map.detail.repairs', count=fmt.number(len(repairs)))}**")
        if repairs.empty:
            ui.empty()
        else:
            rp = col["repairs"]
            ui.table(repairs, {"repair_id": (rp["repair_id"], "text"), "done_on": (rp["done_on"], "date"),
                               "kind": (rp["kind"], "text"), "quantity": (rp["quantity"], "float"),
                               "unit": (t("map.col.unit"), "text")}, key="map_repairs")
