"""The Markdown of the benchmarks' report: one section per benchmark, from its result alone.

Every benchmark returns ``{"params": {...}, "runs": [{figure: value, ...}, ...]}`` (runs
measured one after the other, each complete) and declares its :class:`Figure`\\ s. Its
section is then a table with one row per figure and one column per run, the median, the
spread (min – max) and the goal, met only if it holds **on every run**: a goal that holds on
the best run alone is not met. Nothing in a section is written by hand.
"""

from __future__ import annotations

import operator
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_OPS = {"≤": operator.le, "<": operator.lt, "≥": operator.ge, ">": operator.gt}


@dataclass(frozen=True)
class Figure:
    """One measured figure: ``key`` in each run's dict, how it reads, and its goal if any
    (``"≤ 20"``: the operator, then the bound in the figure's own unit)."""

    key: str
    label: str
    unit: str = ""
    digits: int = 2
    goal: str | None = None

    def values(self, runs: Sequence[dict[str, Any]]) -> list[float]:
        return [run[self.key] for run in runs if run.get(self.key) is not None]

    def text(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.digits == 0 or (isinstance(value, int) and not isinstance(value, bool)):
            shown = f"{round(value):,}"
        else:
            shown = f"{value:,.{self.digits}f}"
        return f"{shown} {self.unit}".rstrip()

    def met(self, value: float) -> bool:
        if self.goal is None:
            return True
        op, bound = self.goal.split(" ", 1)
        return _OPS[op](value, float(bound.replace(",", "")))

    def goal_text(self) -> str:
        return "" if self.goal is None else f"{self.goal} {self.unit}".rstrip()


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def quantile(values: Iterable[float], q: float) -> float | None:
    """The value at rank ``q`` (0–1) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def spread(figure: Figure, values: Sequence[float]) -> str:
    if len(values) < 2:
        return ""
    return f"{figure.text(min(values))} – {figure.text(max(values))}"


def verdict(figure: Figure, values: Sequence[float]) -> str:
    if figure.goal is None:
        return ""
    if not values:
        return "not measured"
    return "**yes**" if all(figure.met(v) for v in values) else "**NO**"


def table(runs: Sequence[dict[str, Any]], figures: Sequence[Figure]) -> str:
    """Rows: the figures; columns: each run, the median, the spread, the goal and whether
    it holds on every run."""
    if not runs:
        return "_(no run)_"
    many = len(runs) > 1
    head = ["figure", *(f"run {i}" for i in range(1, len(runs) + 1))]
    if many:
        head += ["**median**", "min – max"]
    head += ["goal", "met every run"] if any(f.goal for f in figures) else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for figure in figures:
        values = figure.values(runs)
        row = [figure.label, *(figure.text(run.get(figure.key)) for run in runs)]
        if many:
            row += [f"**{figure.text(median(values))}**", spread(figure, values)]
        if any(f.goal for f in figures):
            row += [figure.goal_text(), verdict(figure, values)]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def goals(runs: Sequence[dict[str, Any]], figures: Sequence[Figure]) -> list[tuple]:
    """(figure, median and spread, goal, met on every run) of the figures with a goal."""
    rows = []
    for figure in figures:
        if figure.goal is None:
            continue
        values = figure.values(runs)
        shown = figure.text(median(values))
        if len(values) > 1:
            shown += f" ({spread(figure, values)})"
        rows.append(
            (
                figure.label,
                shown,
                figure.goal_text(),
                bool(values) and verdict(figure, values) == "**yes**",
            )
        )
    return rows


def section(
    name: str,
    title: str,
    what: str,
    result: dict[str, Any],
    figures: Sequence[Figure],
    notes: str = "",
) -> str:
    """The whole section of one benchmark."""
    heading = f"## {title} (`python -m bench {name}`)"
    if "skipped" in result:
        return f"{heading}\n\n{what}\n\n**Skipped**: {result['skipped']}.\n"
    runs = result["runs"]
    parts = [heading, what, table(runs, figures)]
    if notes:
        parts.append(notes)
    return "\n\n".join(p.strip() for p in parts if p) + "\n"


def simple_goals(result: dict[str, Any], figures: Sequence[Figure]) -> list[tuple]:
    return [] if "skipped" in result else goals(result["runs"], figures)
