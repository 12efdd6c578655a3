"""小区地图 — every compound and standalone building coloured by its management before the program
and on the window's end, the change in numbers beside it, and one compound's work in the window.
With more compounds in scope than [map] aggregate_above (config/dashboard.toml), one point per
community instead, coloured by the share its cooperative manages; a click offers to narrow the scope."""

from functools import partial

import streamlit as st

from coopdash.app import cache, compound_work, maps, presentation, ui
from coopdash.app.sidebar import K_COMMUNITIES, K_STREETS, current
from coopdash.data.contract import MANAGEMENT
from coopdash.data.settings import data_dir, settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import lang, t

K_STATE, K_COMPOUND, K_COMMUNITY, K_LAST_PICK = "map_state", "map_compound", "map_community", "map_last_pick"

f = current()
p = f.params()
ui.header("page.map")

# cache.run caches by the parameters a query uses: a new start date (which none of these uses) or a new
# end date (for the seats and the scope) reuses the cached results.
size = cache.run("map_scope", **p).iloc[0]
if not size["compounds"]:
    ui.empty()
    st.stop()
aggregated = int(size["compounds"]) > settings().map_aggregate_above
level = maps.LAYER_COMMUNITIES if aggregated else maps.LAYER_POINTS
points = cache.run("map_communities" if aggregated else "map_points", **p)
counts = cache.run("map_status_counts", **p)
seats = cache.run("map_street_seats", **p)
boundaries = maps.load_boundaries(data_dir())
outline = maps.district_outline_json()  # 龙潭区 and its neighbours, under everything (read once per process)
if boundaries.error_zh:
    st.warning(fmt.md(boundaries.error_zh))
    st.caption(fmt.md(boundaries.error_en))

# The chosen point: a compound (from the selectbox below or a click on the map) or, on the
# aggregated map, a community (a click).
id_column, chosen_key = ("community_code", K_COMMUNITY) if aggregated else ("compound_code", K_COMPOUND)
by_code = points.set_index(id_column)
if st.session_state.get(chosen_key) not in by_code.index:
    st.session_state[chosen_key] = None
chart_key = maps.chart_key(f.streets, f.communities, level)


def follow_map(key: str, level: str, target: str) -> None:
    """A click on the map chooses that point (and an empty click clears the choice)."""
    event = st.session_state.get(key)
    pick = (key, maps.picked_community(event) if level == maps.LAYER_COMMUNITIES else maps.picked_code(event))
    if pick != st.session_state.get(K_LAST_PICK):
        st.session_state[K_LAST_PICK] = pick
        st.session_state[target] = pick[1]


def narrow(streets: list[str], communities: list[str]) -> None:
    """Set the sidebar's street and community filters (they apply to every page and the link)."""
    st.session_state[K_STREETS], st.session_state[K_COMMUNITIES] = streets, communities


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
if aggregated:
    st.caption(t("map.level.communities", compounds=fmt.number(size["compounds"]),
                 limit=fmt.number(settings().map_aggregate_above), communities=fmt.number(size["communities"])))

present = presentation.is_present()
phone = presentation.is_phone()
height = maps.MAP_HEIGHT_PRESENT if present else maps.MAP_HEIGHT_PHONE if phone else maps.MAP_HEIGHT
chosen = st.session_state[chosen_key]
deck = maps.build_deck(
    cache.map_records_json(points, state, level, lang()), seats,
    maps.fit_view(points["lon"], points["lat"], width_px=maps.FIT_WIDTH_PHONE if phone else maps.FIT_WIDTH,
                  height_px=height), boundaries.geojson,
    settings().tile_url, settings().tile_attribution,
    selected=maps.one_record(points, state, level, chosen) if chosen else None, height=height, level=level,
    outline=outline, phone=phone)

left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(deck, on_select=partial(follow_map, chart_key, level, chosen_key), selection_mode="single-object",
                    key=chart_key, height=height)
with right:
    if aggregated:
        st.markdown(f"**{t('map.legend.share_title')}**  \n{state_names[state]}")
        st.markdown(maps.share_legend_html(points, state, large=present), unsafe_allow_html=True)
        st.caption(t("map.legend.share_size"))
        if outline:
            st.markdown(maps.outline_legend_html(large=present), unsafe_allow_html=True)
    else:
        st.markdown(f"**{t('map.legend.title')}**  \n{state_names[state]}")
        st.markdown(maps.legend_html(counts, state, large=present), unsafe_allow_html=True)
        st.caption(t("map.legend.size"))
        if outline:
            st.markdown(maps.outline_legend_html(large=present), unsafe_allow_html=True)

st.divider()
if aggregated:
    if chosen:
        c = by_code.loc[chosen]
        st.subheader(fmt.md(c["community_name"]))
        st.caption(fmt.md(maps.community_facts(c)))
        st.markdown(f"**{t('map.community.state_title')}**  \n" + "  \n".join(maps.community_states(c)))
        left, right = st.columns(2)
        left.button(t("map.community.show"), on_click=narrow, args=(list(f.streets), [chosen]),
                    help=t("map.community.show_help"), key="map_show_community", width="stretch")
        if list(f.streets) != [c["street_code"]]:
            right.button(t("map.community.show_street", street=c["street_name"]), on_click=narrow,
                         args=([c["street_code"]], []), help=t("map.community.show_street_help"),
                         key="map_show_street", width="stretch")
    st.stop()

codes = points["compound_code"].tolist()
option = t("map.pick.option")  # the template, formatted per compound below (at most aggregate_above of them)
options = {code: option.format(name=n, community=c)
           for code, n, c in zip(codes, points["compound_name"], points["community_name"])}
code = st.selectbox(t("map.pick.label"), codes, index=None, key=K_COMPOUND, placeholder=t("map.pick.placeholder"),
                    format_func=options.get)
if code:
    c = by_code.loc[code]
    st.subheader(fmt.md(c["compound_name"]))
    st.caption(fmt.md(maps.compound_facts(c)))
    st.markdown(maps.compound_state(c))

    orders = maps.label_orders(cache.run("map_compound_orders", **p, compound=code))
    cleanups = maps.label_cleanups(cache.run("map_compound_cleanups", **p, compound=code))
    repairs = maps.label_repairs(cache.run("map_compound_repairs", **p, compound=code))
    compound_work.tables(orders, cleanups, repairs)
