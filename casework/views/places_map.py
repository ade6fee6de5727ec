"""The drawings of the places pages, computed on the server and written as SVG by the templates:
no tile server, no script, no external service, nothing inline for the CSP to refuse.

A map puts each place with stored coordinates on an equirectangular projection of the region
(Iraq and Syria, widened to take in any place outside it), over the two countries' outlines
(Natural Earth 1:110m, public domain, vendored in static/vendor/natural-earth/) and a graticule
every two degrees; longitudes are shrunk by the cosine of the middle latitude so that the region
keeps its shape.
A population chart puts each report on a time axis: the estimate as a point, a range as a bar.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils.formats import number_format
from django.utils.translation import gettext

# Iraq and Syria, with a margin.
REGION = (35.0, 29.0, 49.0, 38.0)  # west, south, east, north
WIDTH = 640
PAD = 24
# Room on the left for the parallels' labels ("38° с. ш." in Russian is the longest).
LEFT = 72
GRID_STEP = 2
OUTLINES = "vendor/natural-earth/iraq-syria-110m.geojson"


@lru_cache(maxsize=1)
def _outlines() -> tuple[tuple[str, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    """(country code, rings of (lon, lat)) of each vendored country outline; none when the file
    is missing (the map then has points and the graticule only)."""
    found = finders.find(OUTLINES)
    if not found:
        return ()
    data = json.loads(Path(found).read_text(encoding="utf-8"))
    countries = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings = tuple(tuple((lon, lat) for lon, lat in ring) for poly in polygons for ring in poly)
        countries.append((feature["properties"]["iso_a2"], rings))
    return tuple(countries)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    name: str
    url: str
    kind: str
    current: bool


def _bounds(coords) -> tuple[float, float, float, float]:
    west, south, east, north = REGION
    for lat, lon in coords:
        west, east = min(west, lon - 1), max(east, lon + 1)
        south, north = min(south, lat - 1), max(north, lat + 1)
    return west, south, east, north


def place_map(places, *, url_of, current=None) -> dict | None:
    """The map of `places` (those without coordinates are left off and counted); `current`: the
    place a detail page is about, drawn apart. None when no place has coordinates."""
    placed = [p for p in places if p.latitude is not None and p.longitude is not None]
    if not placed:
        return None
    coords = [(float(p.latitude), float(p.longitude)) for p in placed]
    west, south, east, north = _bounds(coords)
    shrink = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - LEFT - PAD) / ((east - west) * shrink)
    height = round((north - south) * scale + 2 * PAD)

    def x_of(lon: float) -> float:
        return round(LEFT + (lon - west) * shrink * scale, 1)

    def y_of(lat: float) -> float:
        return round(PAD + (north - lat) * scale, 1)

    meridians = [
        {"x": x_of(lon), "label": gettext("%(degrees)s°E") % {"degrees": lon}}
        for lon in range(math.ceil(west / GRID_STEP) * GRID_STEP, math.floor(east) + 1, GRID_STEP)
    ]
    parallels = [
        {"y": y_of(lat), "label": gettext("%(degrees)s°N") % {"degrees": lat}}
        for lat in range(math.ceil(south / GRID_STEP) * GRID_STEP, math.floor(north) + 1, GRID_STEP)
    ]
    outlines = [
        {
            "country": country,
            "d": " ".join(
                "M" + " L".join(f"{x_of(lon)},{y_of(lat)}" for lon, lat in ring) + " Z"
                for ring in rings
            ),
        }
        for country, rings in _outlines()
    ]
    points = [
        MapPoint(
            x=x_of(lon),
            y=y_of(lat),
            name=place.name,
            url=url_of(place),
            kind=place.kind,
            current=current is not None and place.pk == current.pk,
        )
        for place, (lat, lon) in zip(placed, coords, strict=True)
    ]
    # The place a page is about is drawn last, on top of its neighbours.
    points.sort(key=lambda point: point.current)
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - PAD,
        "top": PAD,
        "bottom": height - PAD,
        "inner_width": WIDTH - LEFT - PAD,
        "inner_height": height - 2 * PAD,
        "meridians": meridians,
        "parallels": parallels,
        "outlines": outlines,
        "points": points,
        "unplaced": len(places) - len(placed),
    }


CHART_WIDTH = 640
CHART_HEIGHT = 220
CHART_PAD = 48


def population_chart(reports) -> dict | None:
    """Reports over time: x the day, y the people; an estimate is a dot, a range a bar."""
    reports = [r for r in reports if r.estimate is not None or r.low is not None]
    if not reports:
        return None
    days = [r.as_of for r in reports]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    top = max(max(r.high or 0, r.estimate or 0) for r in reports) or 1
    top = _nice(top)
    inner_w = CHART_WIDTH - 2 * CHART_PAD
    inner_h = CHART_HEIGHT - 2 * CHART_PAD

    def x_of(day: dt.date) -> float:
        if first == last:
            return CHART_PAD + inner_w / 2
        return round(CHART_PAD + (day - first).days / span * inner_w, 1)

    def y_of(count: int) -> float:
        return round(CHART_PAD + inner_h - count / top * inner_h, 1)

    marks = []
    for report in sorted(reports, key=lambda r: (r.as_of, r.pk)):
        x = x_of(report.as_of)
        marks.append(
            {
                "x": x,
                "y": y_of(report.estimate) if report.estimate is not None else None,
                "low_y": y_of(report.low) if report.low is not None else None,
                "high_y": y_of(report.high) if report.high is not None else None,
                "report": report,
            }
        )
    ticks = [
        {"y": y_of(top * i // 4), "label": number_format(top * i // 4, force_grouping=True)}
        for i in range(5)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "top": CHART_PAD,
        "bottom": CHART_HEIGHT - CHART_PAD,
        "marks": marks,
        "ticks": ticks,
        "first": first,
        "last": last,
    }


def _nice(value: int) -> int:
    """The round number at or above `value` the axis ends on (1, 2 or 5 times a power of ten)."""
    power = 10 ** max(len(str(value)) - 1, 0)
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power
