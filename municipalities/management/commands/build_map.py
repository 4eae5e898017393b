"""Build the light map of Flanders the status map page draws, from the boundary GeoJSON.

The result (municipalities/data/flanders_map.json) is committed: the page only reads it.
Run again after the GeoJSON changes::

    python manage.py build_map [--tolerance 0.5]
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

DATA = Path(__file__).resolve().parents[2] / "data"
MUNICIPALITIES = DATA / "flemish_municipalities_2017.geojson"
PROVINCES = DATA / "flemish_provinces.geojson"
OUTPUT = DATA / "flanders_map.json"

# Width of the drawing in map units; at this width one unit is about 240 m.
WIDTH = 1000
MARGIN = 4

Point = tuple[float, float]
Ring = list[Point]


def rings(geometry: dict) -> list[Ring]:
    """Every ring (outer boundaries and holes) of a Polygon or MultiPolygon."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    return [[(x, y) for x, y, *_ in ring] for polygon in polygons for ring in polygon]


def _distance(p: Point, a: Point, b: Point) -> float:
    """The distance from p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def simplify(line: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: the points of the line that matter more than `tolerance` to its shape."""
    if len(line) < 3:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, None
        for i in range(first + 1, last):
            d = _distance(line[i], line[first], line[last])
            if d > far:
                far, index = d, i
        if index is not None and far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(line, keep, strict=True) if kept]


def simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """A closed ring simplified as two lines, split at the point farthest from its start,
    so that the start point does not hold on to a spike it happens to sit on."""
    if ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 4:
        return ring
    split = max(range(len(ring)), key=lambda i: math.dist(ring[0], ring[i]))
    half = simplify(ring[: split + 1], tolerance)
    other = simplify([*ring[split:], ring[0]], tolerance)
    return half[:-1] + other[:-1]


class Projection:
    """Longitude/latitude to map units: equirectangular, x scaled by cos of the mean latitude
    (Flanders is small enough), y pointing down as in SVG."""

    def __init__(self, all_rings: list[Ring]):
        xs = [x for ring in all_rings for x, _ in ring]
        ys = [y for ring in all_rings for _, y in ring]
        self.west, self.north = min(xs), max(ys)
        self.cos = math.cos(math.radians((min(ys) + max(ys)) / 2))
        self.scale = (WIDTH - 2 * MARGIN) / ((max(xs) - self.west) * self.cos)
        self.height = math.ceil((self.north - min(ys)) * self.scale + 2 * MARGIN)

    def __call__(self, point: Point) -> Point:
        lon, lat = point
        return (
            MARGIN + (lon - self.west) * self.cos * self.scale,
            MARGIN + (self.north - lat) * self.scale,
        )


def path_data(shape: list[Ring], tolerance: float) -> str:
    """An SVG path: each ring simplified, on whole map units, in relative moves.

    Rings that simplify to less than a triangle are dropped (specks, slivers), except that
    the largest ring always stays, so every municipality keeps a shape.
    """
    parts = []
    largest = max(range(len(shape)), key=lambda i: len(shape[i]))
    for i, ring in enumerate(shape):
        points = []
        for x, y in simplify_ring(ring, tolerance):
            point = (round(x), round(y))
            if not points or point != points[-1]:
                points.append(point)
        while len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3 and i != largest:
            continue
        (x0, y0), moves = points[0], []
        previous = points[0]
        for x, y in points[1:]:
            moves.append(f"{x - previous[0]} {y - previous[1]}")
            previous = (x, y)
        parts.append(f"M{x0} {y0}" + ("l" + " ".join(moves) if moves else "") + "z")
    # "1 -2" can be written "1-2": SVG needs no space before a minus sign.
    return "".join(parts).replace(" -", "-")


def build(tolerance: float = 0.5) -> dict:
    """The map data: viewBox, {NIS code: path} for municipalities and for provinces."""
    municipalities = json.loads(MUNICIPALITIES.read_text(encoding="utf-8"))["features"]
    provinces = json.loads(PROVINCES.read_text(encoding="utf-8"))["features"]
    shapes = {f["properties"]["nis_code"]: rings(f["geometry"]) for f in municipalities}
    outlines = {f["properties"]["province_nis"]: rings(f["geometry"]) for f in provinces}
    project = Projection([ring for shape in shapes.values() for ring in shape])

    def projected(shape):
        return [[project(p) for p in ring] for ring in shape]

    return {
        "viewBox": f"0 0 {WIDTH} {project.height}",
        "municipalities": {
            nis: path_data(projected(shape), tolerance) for nis, shape in sorted(shapes.items())
        },
        # The provinces' borders are drawn over the municipalities, so a coarser line will do.
        "provinces": {
            nis: path_data(projected(shape), tolerance * 1.5)
            for nis, shape in sorted(outlines.items())
        },
    }


class Command(BaseCommand):
    help = "Build municipalities/data/flanders_map.json, the simplified map of Flanders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tolerance",
            type=float,
            default=0.5,
            help=_("Largest deviation from the true boundary, in map units (about 240 m each)."),
        )
        parser.add_argument("--output", type=Path, default=OUTPUT, help=_("Where to write it."))

    def handle(self, *args, tolerance, output, **options):
        data = build(tolerance)
        text = json.dumps(data, separators=(",", ":"), sort_keys=True)
        output.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(
            _("%(file)s: %(municipalities)d municipalities, %(provinces)d provinces, %(kb)d kB")
            % {
                "file": output.name,
                "municipalities": len(data["municipalities"]),
                "provinces": len(data["provinces"]),
                "kb": len(text) // 1024,
            }
        )
