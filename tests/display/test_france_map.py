"""The bundled map of departments, and the projection fitted on it (node.display.france_map)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from node.display.france_map import HEIGHT, WIDTH, departments, project
from protocol.geography import DEPARTMENTS

CENSUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "cget-tiers-lieux-2019.csv"


def test_the_map_has_the_96_metropolitan_departments_named_in_french() -> None:
    shapes = departments()
    assert len(shapes) == 96
    assert set(shapes) <= set(DEPARTMENTS)
    assert shapes["24"].name == "Dordogne" and shapes["2A"].name == "Corse-du-Sud"
    for shape in shapes.values():
        x, y = shape.centre
        assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT
        assert shape.contains(x, y) or shape.code in {"13", "29", "56", "17", "85"}


def test_known_towns_fall_in_their_department() -> None:
    shapes = departments()
    for lat, lon, code in [
        (45.1846, 0.7214, "24"),  # Périgueux
        (48.8566, 2.3522, "75"),  # Paris
        (50.6292, 3.0573, "59"),  # Lille
        (43.5297, 5.4474, "13"),  # Aix-en-Provence
        (41.6217, 8.9747, "2A"),  # Sartène
        (47.9960, -4.1025, "29"),  # Quimper
    ]:
        point = project(lat, lon)
        assert point is not None and shapes[code].contains(*point), code


def test_far_away_points_are_not_on_the_map() -> None:
    assert project(-20.88, 55.45) is None  # Saint-Denis de La Réunion
    assert project(45.0, 55.3) is None  # a longitude typed wrong


@pytest.mark.skipif(not CENSUS.exists(), reason="census file absent (../shared/data)")
def test_every_census_place_lands_in_or_beside_its_department() -> None:
    shapes = departments()
    inside = near = total = 0
    with CENSUS.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            code = row["INSEEDEP"]
            if code not in shapes or not row["LAT"]:
                continue
            point = project(float(row["LAT"]), float(row["LONG"]))
            if point is None:
                continue  # coordinates outside France: wrong in the file
            total += 1
            shape = shapes[code]
            if shape.contains(*point):
                inside += 1
                near += 1
            elif _distance(point, shape.rings) < 3:
                near += 1
    assert total > 1400
    assert inside / total > 0.85 and near / total > 0.99


def _distance(point: tuple[float, float], rings) -> float:
    best = math.inf
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            dx, dy = x2 - x1, y2 - y1
            length = dx * dx + dy * dy
            t = 0.0 if not length else ((point[0] - x1) * dx + (point[1] - y1) * dy) / length
            t = max(0.0, min(1.0, t))
            best = min(best, math.hypot(x1 + t * dx - point[0], y1 + t * dy - point[1]))
    return best
