"""Charts drawn on the server: plain figures in, inline SVG and its table out.

The dashboard (``/tableau-de-bord``) needs no JavaScript, so its charts are SVG written here,
each followed by a ``<table>`` of the same figures: the text alternative a screen reader (or a
spreadsheet user) reads, with a link on every figure to the search that lists the records
behind it. The SVG is named by its ``<title>`` and ``<desc>`` (``aria-labelledby``). A chart
without links is ``role="img"``; one whose bars, points or departments are links is
``role="graphics-document"`` (WAI-ARIA Graphics), as an image's children are hidden from
assistive technologies and may hold nothing interactive (axe-core's ``nested-interactive``):
each link is named by the ``<title>`` of what it wraps (« Dordogne : 12 lieux »). Those links
are left out of the tab order (``tabindex="-1"``: the map alone would be 96 stops), the
keyboard reaching the same ones in the table.

The page's CSP forbids inline styles: colours are classes of ``maillage.css`` (so the dark
theme applies), with presentation attributes (``fill``) as a fallback for an SVG read alone.
Every string is escaped (labels may come from peers: an unknown code is shown as it is), and
the markup is well-formed XML (``tests/display/test_charts.py`` parses it).

The map of France by department is :mod:`node.display.choropleth`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from node.display.record_text import number

#: The fallback fill of each series (the stylesheet's classes ``s0``, ``s1``… win).
SERIES_FILLS = ("#0b5c4a", "#7a3e00", "#3d3a7a")
MONTHS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
MONTH_NAMES = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One line of a chart: its label, one figure per series, and where each figure leads."""

    label: str
    values: tuple[int, ...]
    links: tuple[str | None, ...] = ()

    def value(self, i: int) -> int:
        return self.values[i] if i < len(self.values) else 0

    def link(self, i: int) -> str | None:
        return self.links[i] if i < len(self.links) else None


@dataclass(frozen=True)
class Chart:
    """What a template shows: the drawing and its text alternative."""

    id: str
    title: str
    svg: Markup
    table: Markup


def link(href: str | None, inner: str | Markup, *, focusable: bool = False) -> Markup:
    """``inner`` in a link to ``href`` (nothing when there is none); in an SVG the link is left
    out of the tab order (``focusable=False``): the table below has the same one."""
    if not href:
        return Markup(inner) if isinstance(inner, Markup) else escape(inner)
    tab = "" if focusable else ' tabindex="-1"'
    return Markup('<a href="{}"{}>{}</a>').format(href, Markup(tab), inner)


def svg_open(
    chart_id: str, title: str, desc: str, width: int, height: int, *, linked: bool
) -> Markup:
    """The opening of a chart's ``<svg>``, named by its title and description; ``linked``:
    it holds links (see the module for its role)."""
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" '
        'role="{role}" aria-labelledby="{id}-title {id}-desc" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(
        w=width,
        h=height,
        role="graphics-document" if linked else "img",
        id=chart_id,
        title=title,
        desc=desc,
    )


def linked(rows: Sequence[Row]) -> bool:
    return any(any(row.links) for row in rows)


def table(
    caption: str, head: Sequence[str], rows: Sequence[Row], *, total: Row | None = None
) -> Markup:
    """The figures of a chart as a table: one row per line, a column per series, each figure
    a link (focusable here) to its search; ``total`` as a last row."""
    parts = [Markup('<table class="figures"><caption>{}</caption><thead><tr>').format(caption)]
    parts += [Markup('<th scope="col">{}</th>').format(name) for name in head]
    parts.append(Markup("</tr></thead><tbody>"))
    for row in [*rows, *([total] if total else [])]:
        parts.append(Markup('<tr><th scope="row">{}</th>').format(row.label))
        for i, value in enumerate(row.values):
            cell = link(row.link(i), number(value), focusable=True)
            parts.append(Markup('<td class="num">{}</td>').format(cell))
        parts.append(Markup("</tr>"))
    parts.append(Markup("</tbody></table>"))
    return Markup("").join(parts)


def _series_class(i: int) -> Markup:
    return Markup('class="s{}" fill="{}"').format(i, SERIES_FILLS[i % len(SERIES_FILLS)])


def legend(series: Sequence[str], x: float, y: float) -> Markup:
    """A line of swatches naming the series (inside the drawing)."""
    parts, at = [], x
    for i, name in enumerate(series):
        parts.append(
            Markup('<rect x="{}" y="{}" width="12" height="12" {}/>').format(
                at, y - 10, _series_class(i)
            )
        )
        parts.append(Markup('<text x="{}" y="{}">{}</text>').format(at + 17, y, name))
        at += 30 + 8 * len(name)
    return Markup("").join(parts)


BAR_WIDTH = 640
BAR_LABEL_HEIGHT = 18
BAR_THICKNESS = 12


def bars(
    chart_id: str, title: str, desc: str, series: Sequence[str], rows: Sequence[Row]
) -> Markup:
    """Horizontal bars: for each row its label, then one bar per series, the figure at its
    end; each bar a link to its search. Lengths are proportional to the largest figure."""
    most = max((v for row in rows for v in row.values), default=0) or 1
    room = BAR_WIDTH - 60  # the figure after the longest bar
    step = BAR_LABEL_HEIGHT + len(series) * (BAR_THICKNESS + 3) + 8
    top = 26
    height = top + step * len(rows) + 4
    parts = [
        svg_open(chart_id, title, desc, BAR_WIDTH, height, linked=linked(rows)),
        legend(series, 0, 14),
    ]
    for r, row in enumerate(rows):
        y = top + r * step
        parts.append(Markup('<text class="label" x="0" y="{}">{}</text>').format(y + 13, row.label))
        for i in range(len(series)):
            value = row.value(i)
            by = y + BAR_LABEL_HEIGHT + i * (BAR_THICKNESS + 3)
            length = round(room * value / most, 1)
            drawn = Markup(
                '<rect x="0" y="{}" width="{}" height="{}" {}><title>{} : {}</title></rect>'
                '<text class="value" x="{}" y="{}">{}</text>'
            ).format(
                by,
                max(length, 1 if value else 0),
                BAR_THICKNESS,
                _series_class(i),
                row.label,
                f"{number(value)} {series[i].lower()}",
                length + 5,
                by + BAR_THICKNESS - 1,
                number(value),
            )
            parts.append(link(row.link(i), drawn))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def month_label(month: str, *, short: bool = False) -> str:
    """``2026-11`` → « novembre 2026 » (« nov. 2026 » when short); anything else as it is."""
    try:
        year, number_ = (int(part) for part in month.split("-"))
        names = MONTHS if short else MONTH_NAMES
        return f"{names[number_ - 1]} {year}" if 1 <= number_ <= 12 else month
    except ValueError:
        return month


def month_range(months: Sequence[str]) -> list[str]:
    """Every month from the first to the last of ``months`` (``AAAA-MM``), none missing, so a
    month with nothing published shows as a zero; codes that are not months are dropped."""
    days = []
    for month in months:
        try:
            days.append(datetime.date.fromisoformat(month + "-01"))
        except ValueError:
            continue
    if not days:
        return []
    first, last = min(days), max(days)
    out, year, month_ = [], first.year, first.month
    while (year, month_) <= (last.year, last.month) and len(out) < 1200:
        out.append(f"{year:04d}-{month_:02d}")
        year, month_ = (year + 1, 1) if month_ == 12 else (year, month_ + 1)
    return out


LINE_WIDTH, LINE_HEIGHT = 640, 260
PLOT = (44, 30, 630, 220)  # left, top, right, bottom of the plotting area


def line(
    chart_id: str,
    title: str,
    desc: str,
    series: Sequence[str],
    rows: Sequence[Row],
    ticks: Sequence[str] = (),
) -> Markup:
    """One line per series over the rows (months, in order): a point per month, a few
    gridlines with their figures, a label every few months (``ticks``, short labels of the
    rows; their labels by default)."""
    left, top, right, bottom = PLOT
    most = max((v for row in rows for v in row.values), default=0) or 1
    parts = [
        svg_open(chart_id, title, desc, LINE_WIDTH, LINE_HEIGHT, linked=linked(rows)),
        legend(series, left, 14),
    ]
    for tick in sorted({round(most * k / 4) for k in range(5)}):
        y = bottom - (bottom - top) * tick / most
        parts.append(
            Markup(
                '<line class="grid" x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="#d9d5cc"/>'
                '<text class="tick" x="{x}" y="{ty}" text-anchor="end">{n}</text>'
            ).format(l=left, r=right, y=round(y, 1), x=left - 6, ty=round(y + 4, 1), n=number(tick))
        )
    count = len(rows)

    def x_of(k: int) -> float:
        return round(left + (right - left) * (k / (count - 1) if count > 1 else 0.5), 1)

    every = max(1, -(-count // 6))
    for k, row in enumerate(rows):
        if k % every == 0:
            parts.append(
                Markup('<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>').format(
                    x_of(k), bottom + 18, ticks[k] if k < len(ticks) else row.label
                )
            )
    for i, name in enumerate(series):
        points = [
            (x_of(k), round(bottom - (bottom - top) * row.value(i) / most, 1))
            for k, row in enumerate(rows)
        ]
        path = " ".join(f"{x},{y}" for x, y in points)
        parts.append(
            Markup('<polyline class="s{}-line" points="{}" fill="none" stroke="{}"/>').format(
                i, path, SERIES_FILLS[i % len(SERIES_FILLS)]
            )
        )
        for (x, y), row in zip(points, rows, strict=True):
            dot = Markup('<circle cx="{}" cy="{}" r="3.5" {}><title>{} : {} {}</title></circle>')
            parts.append(
                link(
                    row.link(i),
                    dot.format(
                        x, y, _series_class(i), row.label, number(row.value(i)), name.lower()
                    ),
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
