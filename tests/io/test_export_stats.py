"""``maillage export --format csv`` and the statistics give the same counts (issue 14, item 4).

A town hall that counts the rows of the export in a spreadsheet, by department and by
category, finds the figures of ``/api/stats``, once it applies the two rules the statistics
state (``docs/statistiques.md``): the export lists every current record, so a listing
claimed by a place's own profile is there too (the place is counted once, through its
profile), and an offer or need past its ``valid_until`` or ``due_date`` is there too (not
counted).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from node.home import open_home
from search.index import SearchIndex
from search.stats import StatsFilters, compute
from tests.support import stats_census
from tests.support.cli import clean_environment, run
from tests.support.stats_census import CLAIMED_ROW, TODAY, Census

KINDS = {"profile": "places", "listing": "places", "offer": "offers", "need": "needs"}


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Census:
    return stats_census.build(tmp_path_factory.mktemp("stats-export") / "recenseur")


def _counted(row: dict[str, str], census: Census) -> bool:
    if row["col"] == "listing" and row["rid"] == f"cget-2019-{CLAIMED_ROW}":
        return row["author"] != census.did  # claimed: counted through ADE's profile
    days = [row[name] for name in ("valid_until", "due_date") if row[name]]
    return not days or min(days) >= TODAY.isoformat()


def test_counting_the_export_gives_the_statistics(
    census: Census, capsys, monkeypatch, tmp_path: Path
):
    clean_environment(monkeypatch)
    out = tmp_path / "export.csv"
    status, _, err = run(capsys, "export", "--home", census.home, "--format", "csv", "-o", out)
    assert status == 0, err
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = [r for r in csv.DictReader(io.StringIO(text[1:]), delimiter=";") if r["col"] in KINDS]
    assert sum(r["col"] == "listing" for r in rows) == len(census.rows)  # claimed one included
    counted = [r for r in rows if _counted(r, census)]
    by_department: dict[str, Counter[str]] = {}
    by_category: dict[str, Counter[str]] = {}
    for r in counted:
        by_department.setdefault(r["department"], Counter())[KINDS[r["col"]]] += 1
        if r["category"]:
            by_category.setdefault(r["category"], Counter())[KINDS[r["col"]]] += 1
    with open_home(census.home) as node:
        index = SearchIndex(census.home / "index", node.store)
        try:
            stats = compute(node.store, index, StatsFilters(), TODAY).to_json()
        finally:
            index.close()
    assert {code: dict(c) for code, c in by_department.items()} == {
        code: {k: n for k, n in counts.items() if n}
        for code, counts in stats["by_department"].items()
    }
    assert {code: dict(c) for code, c in by_category.items()} == {
        code: {k: n for k, n in counts.items() if n}
        for code, counts in stats["by_category"].items()
    }
    totals = Counter(KINDS[r["col"]] for r in counted)
    assert dict(totals) == {k: stats[k] for k in ("places", "offers", "needs")}
