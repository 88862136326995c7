"""``maillage stats``: the census node's counts in a terminal and as JSON, the same as the
counts computed independently (``tests/support/stats_census``); bad options: status 2."""

from __future__ import annotations

import json

import pytest

from node.web import stats_api
from tests.support import stats_census
from tests.support.cli import clean_environment, run
from tests.support.stats_census import TODAY, Census, expected, subset


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Census:
    return stats_census.build(tmp_path_factory.mktemp("stats-cli") / "recenseur")


@pytest.fixture(autouse=True)
def _today(monkeypatch) -> None:
    clean_environment(monkeypatch)
    monkeypatch.setattr(stats_api, "today", lambda: TODAY)


def test_json_is_the_api_answer(census: Census, capsys):
    status, out, err = run(capsys, "stats", "--home", census.home, "--json")
    assert status == 0, err
    assert subset(json.loads(out)) == expected(census)
    status, out, _ = run(
        capsys, "stats", "--home", census.home, "--json", "--department", "24",
        "--reseau", census.did,
    )  # fmt: skip
    data = json.loads(out)
    assert subset(data) == expected(census, department="24", reseau=census.did)
    assert data["filters"] == {"department": "24", "reseau": census.did}


def test_french_tables_in_a_terminal(census: Census, capsys):
    status, out, err = run(capsys, "stats", "--home", census.home, "--region", "75")
    assert status == 0, err
    counts = expected(census, region="75")["totals"]
    lines = out.splitlines()
    assert lines[:3] == [
        f"Lieux : {counts['places']}",
        f"Offres en cours : {counts['offers']}",
        f"Besoins ouverts : {counts['needs']}",
    ]
    assert "Ce nœud connaît 1\u202f514 lieux, dans 5 flux suivis ou copiés" in out
    assert "Filtres : --region 75" in out
    start = lines.index("Par département :")
    assert lines[start + 1].split() == ["Code", "Département", "Lieux", "Offres", "Besoins"]
    dordogne = next(line for line in lines[start:] if line.startswith("  24 "))
    assert dordogne.split() == ["24", "Dordogne", "9", "1", "1"]
    widths = {len(line) for line in lines[start + 1 : lines.index("", start)]}
    assert len(widths) <= 2  # aligned (a row may end earlier: no trailing spaces)
    for title in (
        "Par catégorie :",
        "Par enjeu :",
        "Par type de lieu :",
        "Par mois de publication :",
    ):
        assert title in lines


@pytest.mark.parametrize(
    ("option", "value"),
    [("--department", "Dordogne"), ("--category", "Production"), ("--reseau", "moi")],
)
def test_a_bad_option_is_a_french_message_and_status_2(census: Census, capsys, option, value):
    status, out, err = run(capsys, "stats", "--home", census.home, option, value)
    assert status == 2 and out == ""
    assert err.startswith(f"maillage : {option} : ")
