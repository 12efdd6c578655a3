"""小区地图的非界面代码：pydeck 图层与地图、视野、图例、边界文件与内网瓦片底图。

Non-UI code of the compound map (app_pages/compound_map.py): the pydeck deck and its layers, the
initial view fitted to the points, the legend, the optional `boundaries.geojson` beside the dataset
and the optional intranet tile basemap. Nothing here fetches anything; see docs/map.md.

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
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

import pandas as pd
import pydeck as pdk

from coopdash import fmt
from coopdash.catalogue import CATALOGUE
from coopdash.contract import (COMPOUND_KIND, COOP_MODE, KM_REPAIR_KINDS, MANAGEMENT, ORDER_CATEGORY,
                               ORDER_STATUS, REPAIR_KIND, WASTE_TYPE)
from coopdash.labels import t

BOUNDARIES_FILE = "boundaries.geojson"
BOUNDARIES_MAX_MB = 20

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
FIT_PADDING = 0.85          # share of the map the points' extent may fill
MAX_FIT_ZOOM = 15.5         # one compound in scope: do not zoom in further than a neighbourhood
MIN_ZOOM, MAX_ZOOM = 6, 19

LAYER_POINTS = "compounds"  # the pickable layer; the page reads the selection by this id
STATES = ("before", "after")


# ------------------------------------------------------------------------------------- points

def radius_m(households) -> float:
    """Point radius in metres: √-scaled by households, at least RADIUS_MIN_M."""
    hh = 0.0 if pd.isna(households) else max(float(households), 0.0)
    return round(max(RADIUS_M_PER_SQRT_HH * math.sqrt(hh), RADIUS_MIN_M), 1)


def status_label(code) -> str:
    return MANAGEMENT.label(code) if isinstance(code, str) else t("map.status.unknown")


def mode_label(code) -> str:
    return COOP_MODE.label(code) if isinstance(code, str) else "—"


def point_records(points: pd.DataFrame, state: str) -> list[dict]:
    """The point layer's rows (from map_points) for `state` ("before" or "after"): position, radius,
    colour and the tooltip's texts, all plain Python values (the deck is sent as JSON)."""
    assert state in STATES, state
    rows = []
    for r in points.itertuples(index=False):
        management, mode = getattr(r, f"management_{state}"), getattr(r, f"coop_mode_{state}")
        known = isinstance(management, str)
        rows.append({
            "compound_code": str(r.compound_code),
            "name": str(r.compound_name),
            "kind": COMPOUND_KIND.label(r.kind),
            "community": str(r.community_name),
            "street": str(r.street_name),
            "status": status_label(management),
            "mode": mode_label(mode),
            "households": f"{fmt.number(r.households)} {t('unit.households')}",
            "open_orders": f"{fmt.number(r.open_orders)} {t('map.unit.orders')}",
            "lon": float(r.lon),
            "lat": float(r.lat),
            "radius": radius_m(r.households),
            "color": [*(STATUS_RGB[management] if known else UNKNOWN_RGB), FILL_ALPHA],
        })
    return rows


def tooltip() -> dict:
    """deck.gl tooltip: the compound's name, then one line per field of point_records."""
    fields = [("map.tip.kind", "kind"), ("map.tip.community", "community"), ("map.tip.street", "street"),
              ("map.tip.status", "status"), ("map.tip.mode", "mode"), ("map.tip.households", "households"),
              ("map.tip.open_orders", "open_orders")]
    lines = "<br/>".join(t("map.tip.line", label=t(key), field=f"{{{field}}}") for key, field in fields)
    return {"html": f"<b>{{name}}</b><br/>{lines}",
            "style": {"backgroundColor": "white", "color": "#222", "fontFamily": FONT_FAMILY,
                      "fontSize": "13px", "lineHeight": "1.5", "border": "1px solid #bbb",
                      "borderRadius": "4px", "padding": "6px 10px"}}


def picked_code(event) -> str | None:
    """The compound code picked on the map, from st.pydeck_chart's selection state
    ({"selection": {"indices": {layer: [i]}, "objects": {layer: [row]}}}), or None."""
    try:
        objects = event["selection"]["objects"].get(LAYER_POINTS) or []
    except (KeyError, TypeError, AttributeError):
        return None
    code = objects[0].get("compound_code") if objects and isinstance(objects[0], dict) else None
    return str(code) if code else None


def chart_key(streets, communities) -> str:
    """The map's widget key, one per street/community scope: a new scope starts with no selection
    (Streamlit keeps a keyed map's selection by row index, which would point at another compound)."""
    digest = hashlib.sha1(json.dumps([sorted(streets), sorted(communities)]).encode()).hexdigest()[:10]
    return f"map_{digest}"


# ------------------------------------------------------------------------------------- view

def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(lons, lats, width_px: int = FIT_WIDTH, height_px: int = MAP_HEIGHT) -> pdk.ViewState:
    """The initial view: centred on the points' extent, zoomed so the extent fills FIT_PADDING of the
    map (deck.gl's world is 512 px wide at zoom 0)."""
    lons, lats = [float(x) for x in lons], [float(y) for y in lats]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
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


def build_deck(points: list[dict], seats: pd.DataFrame, view: pdk.ViewState, boundaries: dict | None = None,
               tile_url: str = "", tile_attribution: str = "", selected: dict | None = None,
               height: int = MAP_HEIGHT) -> pdk.Deck:
    """The map: optional boundary outlines, one point per compound, a ring round the chosen one,
    and the street offices' seats labelled in Chinese. No basemap unless `tile_url` is set."""
    layers = []
    if boundaries:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id="boundaries", data=boundaries, stroked=True, filled=False,
            get_line_color=[70, 70, 70, 200], get_line_width=1.5, line_width_units=_text("pixels"),
            line_width_min_pixels=1, pickable=False))
    layers.append(pdk.Layer(
        "ScatterplotLayer", id=LAYER_POINTS, data=points, get_position=["lon", "lat"],
        get_radius="radius", get_fill_color="color", radius_min_pixels=3.5, radius_max_pixels=28,
        stroked=True, get_line_color=[255, 255, 255, 230], line_width_min_pixels=1,
        pickable=True, auto_highlight=True, highlight_color=[0, 0, 0, 70]))
    if selected:
        layers.append(pdk.Layer(
            "ScatterplotLayer", id="chosen", data=[selected], get_position=["lon", "lat"],
            get_radius="radius", radius_min_pixels=8, filled=False, stroked=True,
            get_line_color=[20, 20, 20, 255], line_width_min_pixels=3, pickable=False))
    if not seats.empty:
        seat_rows = [{"name": str(r.street_name), "lon": float(r.lon), "lat": float(r.lat)}
                     for r in seats.itertuples(index=False)]
        layers.append(pdk.Layer(
            "ScatterplotLayer", id="street_seats", data=seat_rows, get_position=["lon", "lat"],
            get_radius=4, radius_units=_text("pixels"), get_fill_color=[40, 40, 40, 255], stroked=True,
            get_line_color=[255, 255, 255, 255], line_width_min_pixels=1, pickable=False))
        layers.append(pdk.Layer(
            "TextLayer", id="street_labels", data=seat_rows, get_position=["lon", "lat"], get_text="name",
            character_set=_text("auto"), font_family=_text(FONT_FAMILY), font_weight=600,
            get_size=14, get_color=[30, 30, 30, 255], get_text_anchor=_text("middle"),
            get_alignment_baseline=_text("bottom"), get_pixel_offset=[0, -6],
            background=True, get_background_color=[255, 255, 255, 170], background_padding=[4, 2],
            pickable=False))
    basemap = {"map_style": basemap_style(tile_url, tile_attribution)} if tile_url else {}
    return pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tooltip(),
                    height=height, **basemap)


# ------------------------------------------------------------------------------------- legend

def legend_html(counts: pd.DataFrame, state: str, large: bool = False) -> str:
    """The legend drawn beside the map (deck.gl has none): a colour dot, the state's label, and the
    compounds and households in that state (columns n_<state>, households_<state> of map_status_counts).
    `large` for projection mode."""
    assert state in STATES, state
    size = "1.35rem" if large else "1rem"
    rows = []
    for r in counts.itertuples(index=False):
        rgb = ",".join(str(c) for c in STATUS_RGB[r.management])
        text = t("map.legend.row", count=fmt.number(getattr(r, f"n_{state}")),
                 households=fmt.number(getattr(r, f"households_{state}")))
        rows.append(
            f'<div style="display:flex;align-items:center;gap:0.5em;margin:0.3em 0;font-size:{size}">'
            f'<span style="display:inline-block;width:0.95em;height:0.95em;border-radius:50%;'
            f'background:rgb({rgb});border:1px solid #fff;box-shadow:0 0 0 1px #ccc"></span>'
            f'<span style="flex:1">{escape(MANAGEMENT.label(r.management))}</span>'
            f'<span style="white-space:nowrap">{escape(text)}</span></div>')
    return "".join(rows)


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
    out["unit"] = [t("unit.km") if k in KM_REPAIR_KINDS else t("unit.items") for k in out["kind"]]
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
