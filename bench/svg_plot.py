"""Line plots as standalone SVG files, for the reports in ``docs/`` (no plotting library:
a few polylines, axes with round ticks, a legend; every text escaped, well-formed XML)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50
COLOURS = ("#0b5c4a", "#b3541e", "#3d3a7a", "#7a7a7a")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]


def plot(
    title: str,
    x_label: str,
    y_label: str,
    series: Sequence[Series],
    *,
    log_x: bool = False,
    y_max: float | None = None,
) -> str:
    """The SVG text of ``series`` drawn on common axes; ``log_x`` for a logarithmic x."""
    xs = [x for s in series for x, _ in s.points if not log_x or x > 0]
    ys = [y for s in series for _, y in s.points]
    if not xs:
        xs, ys = [1.0], [1.0]
    x_lo, x_hi = min(xs), max(xs)
    if log_x:
        x_lo, x_hi = math.log10(x_lo), math.log10(x_hi)
    if x_hi == x_lo:
        x_hi = x_lo + 1
    y_hi = y_max if y_max is not None else _round_up(max(ys) if ys else 1.0)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        value = math.log10(x) if log_x else x
        return LEFT + (value - x_lo) / (x_hi - x_lo) * inner_w

    def sy(y: float) -> float:
        return TOP + inner_h - (y / y_hi) * inner_h if y_hi else TOP + inner_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="t d">',
        f'<title id="t">{escape(title)}</title>',
        f'<desc id="d">{escape(_description(series))}</desc>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="22" font-family="sans-serif" font-size="15">{escape(title)}</text>',
    ]
    for i in range(5):  # y grid and ticks
        value = y_hi * i / 4
        y = sy(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dddddd"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, _number(value), anchor="end"))
    for value in _x_ticks(min(xs), max(xs), log_x):
        x = sx(value)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP + inner_h}" '
            f'y2="{TOP + inner_h + 4}" stroke="#333333"/>'
        )
        parts.append(_text(x, TOP + inner_h + 18, _number(value), anchor="middle"))
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{inner_w}" height="{inner_h}" '
        'fill="none" stroke="#333333"/>'
    )
    parts.append(_text(LEFT + inner_w / 2, HEIGHT - 10, x_label, anchor="middle"))
    parts.append(
        f'<text transform="translate(16 {TOP + inner_h / 2}) rotate(-90)" text-anchor="middle" '
        f'font-family="sans-serif" font-size="12">{escape(y_label)}</text>'
    )
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s.points if not log_x or x > 0)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        ly = TOP + 14 + 16 * i
        parts.append(
            f'<line x1="{LEFT + 10}" x2="{LEFT + 30}" y1="{ly - 4}" y2="{ly - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        parts.append(_text(LEFT + 36, ly, s.label))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _text(x: float, y: float, text: str, *, anchor: str = "start") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="sans-serif" '
        f'font-size="12">{escape(text)}</text>'
    )


def _description(series: Sequence[Series]) -> str:
    return "; ".join(
        f"{s.label}: "
        + ", ".join(f"({_number(x)}, {_number(y)})" for x, y in s.points[:12])
        + (" …" if len(s.points) > 12 else "")
        for s in series
    )


def _round_up(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _x_ticks(lo: float, hi: float, log_x: bool) -> list[float]:
    if log_x:
        return [
            10.0**e
            for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
            if lo <= 10.0**e <= hi
        ]
    top = _round_up(hi)
    return (
        [lo + (hi - lo) * i / 5 for i in range(6)]
        if top == 0
        else [v for v in (top * i / 5 for i in range(6)) if lo <= v <= hi]
    )


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}"
