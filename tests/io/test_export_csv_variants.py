"""``maillage export --no-body`` and ``--delimiter``: a CSV that tools which guess the
separator read right (issue 12, finding 6).

csvkit sniffs the first 1,024 characters with :class:`csv.Sniffer` among ``, TAB ; space : |``,
and pandas (``sep=None``) sniffs the first line: the JSON of the ``body`` column, full of
commas, colons and quotes, made csvkit see one column. Without it, every sniffer finds the
separator that was asked for.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from node.home import create_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from node.io.export_columns import COLUMN_NAMES, FLAT_COLUMN_NAMES
from tests.conftest import shared_path
from tests.support.cli import clean_environment, run

CSVKIT_DELIMITERS = [",", "\t", ";", " ", ":", "|"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture(scope="module")
def census(tmp_path_factory) -> Path:
    path = shared_path("data", "cget-tiers-lieux-2019.csv")
    home = tmp_path_factory.mktemp("recensement") / "reseau"
    with create_home(home, name="Réseau régional") as network:
        assert import_file(network, path, CGET_2019).created == 1512
    return home


def export(capsys, home: Path, tmp_path: Path, *args: str) -> str:
    output = tmp_path / "export.csv"
    status, _out, err = run(capsys, "export", "--home", home, "-o", output, *args)
    assert status == 0, err
    return output.read_bytes().decode("utf-8-sig")


def sniffed(text: str) -> tuple[str, str]:
    """The separator csvkit guesses, and the one pandas guesses."""
    csvkit = csv.Sniffer().sniff(text[:1024], CSVKIT_DELIMITERS).delimiter
    pandas = csv.Sniffer().sniff(text.splitlines()[0]).delimiter
    return csvkit, pandas


@pytest.mark.parametrize(("option", "separator"), [(";", ";"), (",", ","), ("tab", "\t")])
def test_without_body_every_sniffer_finds_the_separator(
    census, tmp_path, capsys, option, separator
):
    text = export(capsys, census, tmp_path, "--no-body", "--delimiter", option)
    assert sniffed(text) == (separator, separator)
    dialect = csv.Sniffer().sniff(text[:1024], CSVKIT_DELIMITERS)
    rows = list(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect))
    assert len(rows) == 1512
    assert tuple(rows[0]) == FLAT_COLUMN_NAMES and "body" not in rows[0]
    assert all(r["col"] == "listing" and r["title"] for r in rows)


def test_with_body_the_file_is_whole_and_its_last_column_is_json(census, tmp_path, capsys):
    text = export(capsys, census, tmp_path)
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert len(rows) == 1512 and tuple(rows[0]) == COLUMN_NAMES
    assert rows[0]["body"].startswith("{")
    assert COLUMN_NAMES[:-1] == FLAT_COLUMN_NAMES


def test_no_body_is_for_csv_only(census, tmp_path, capsys):
    status, _out, err = run(
        capsys, "export", "--home", census, "--format", "geojson", "--no-body", "-o", tmp_path / "x"
    )
    assert status == 2 and "--no-body ne vaut que pour --format csv" in err
    assert "Traceback" not in err and not (tmp_path / "x").exists()
