"""``maillage endorse|endorsements``: in-process on temporary homes, and one subprocess run.

Every mistake prints a French message and writes nothing (the feed head is checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from node.settings import KEY_FILE
from node.store.database import Store
from protocol.keys import SigningKey, load_key
from tests.support.cli import clean_environment, head, make_home, run

ROOT = Path(__file__).resolve().parents[2]
OTHER = SigningKey.from_seed(bytes(range(32))).did


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def home(tmp_path: Path, capsys) -> Path:
    return make_home(tmp_path, capsys)


def endorsement(home: Path, did: str) -> dict | None:
    store = Store(home / "store.sqlite3")
    try:
        me = store.feeds()[0].author if store.feeds() else ""
        record = store.record(me, "endorse", did)
        return None if record is None else record.body
    finally:
        store.close()


def test_endorse_list_update_and_remove(home: Path, capsys) -> None:
    status, out, _ = run(
        capsys, "endorse", "--home", home, OTHER, "--note", "Partenaire", "--scope",
        "production.textile", "formation",
    )  # fmt: skip
    assert status == 0 and f"vous recommandez {OTHER} (entrée n° 1)" in out
    assert endorsement(home, OTHER) == {
        "note": "Partenaire",
        "scopes": ["production.textile", "formation"],
    }
    status, out, _ = run(capsys, "endorse", "--home", home, OTHER, "--note", "Partenaire",
                         "--scope", "production.textile", "formation")  # fmt: skip
    assert status == 0 and "déjà" in out and head(home) == 1
    status, out, _ = run(capsys, "endorsements", "--home", home)
    assert out.splitlines() == [
        f"lieu sans nom connu  {OTHER}",
        "  pour : Couture, textile, Formation",
        "  « Partenaire »",
    ]
    status, out, _ = run(capsys, "endorse", "--home", home, OTHER)
    assert status == 0 and "recommandation mise à jour" in out and head(home) == 2
    assert endorsement(home, OTHER) == {}
    status, out, _ = run(capsys, "endorse", "--home", home, "--remove", OTHER)
    assert status == 0 and "ne recommandez plus" in out and head(home) == 3
    assert endorsement(home, OTHER) is None
    _, out, _ = run(capsys, "endorsements", "--home", home)
    assert "ne recommande aucun lieu" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pas-un-did"], "n'est pas l'identité d'un lieu"),
        ([OTHER, "--scope", "cuisine"], "n'est pas une catégorie du socle commun"),
        ([OTHER, "--note", "x" * 501], "ne doit pas dépasser 500 caractères"),
        (["--remove", OTHER], "n'est pas (ou plus) recommandé"),
        (["--remove", OTHER, "--note", "x"], "--remove ne prend ni --note ni --scope"),
    ],
)
def test_mistakes_are_french_and_write_nothing(home: Path, capsys, args, message) -> None:
    status, _, err = run(capsys, "endorse", "--home", home, *args)
    assert status == 2 and message in err and head(home) == 0


def test_a_place_does_not_endorse_itself(home: Path, capsys) -> None:
    me = load_key(home / KEY_FILE).did
    status, _, err = run(capsys, "endorse", "--home", home, me)
    assert status == 2 and "ne se recommande pas" in err and head(home) == 0


def test_a_subprocess_run(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "node", "endorse", "--home", str(home), OTHER, "--scope",
         "production"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "vous recommandez" in done.stdout and endorsement(home, OTHER) == {
        "scopes": ["production"]
    }


def test_search_says_how_close_each_hit_is(home: Path, capsys, tmp_path: Path) -> None:
    offer = tmp_path / "offre.json"
    offer.write_text('{"title": "Découpe laser", "category": "production.prototypage"}')
    assert run(capsys, "offer", "put", "--home", home, offer)[0] == 0
    status, out, _ = run(capsys, "search", "--home", home, "laser", "--max-hops", "0")
    assert status == 0 and "  Proximité : publié par ce nœud" in out
    status, out, _ = run(capsys, "search", "--home", home, "--json", "--reseau", OTHER)
    assert status == 0 and '"total": 0' in out
    status, _, err = run(capsys, "search", "--home", home, "--max-hops", "loin")
    assert status == 2 and "--max-hops" in err


def test_peers_says_an_endorsed_only_feed_is_recommended(home: Path, capsys) -> None:
    status, _, _ = run(capsys, "endorse", "--home", home, OTHER)
    assert status == 0
    status, out, _ = run(capsys, "peers", "--home", home)
    (line,) = [line for line in out.splitlines() if OTHER in line]
    assert status == 0 and line.startswith(f"recommandé  {OTHER}  n° 0")
