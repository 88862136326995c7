"""``maillage match``: the visors case in French in a terminal, ``--json``, unknown needs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from node.home import create_home
from node.web import match_api
from tests.support import match_corpus as corpus
from tests.support.cli import clean_environment, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch):
    clean_environment(monkeypatch)
    monkeypatch.setattr(match_api, "today", lambda: corpus.TODAY)
    path = tmp_path / "lieu"
    with create_home(path, name="Mairie") as node:
        keys = corpus.fill(node.store)
    return path, keys


def test_the_need_then_its_matches_in_french(home, capsys):
    path, keys = home
    status, out, err = run(capsys, "match", "--home", path, keys["mairie"].did, "visieres")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == f"Besoin : {corpus.NEED['title']}"
    assert lines[1] == "  Lieu : Mairie de Périgueux, Périgueux (24)"
    assert lines[2] == "  quantité 500 pièces, pour le 2026-12-11, urgence critique"
    assert f"{len(corpus.EXPECTED)} propositions :" in lines
    first = lines.index("1. Visières de protection en petite série")
    assert lines[first + 1] == "   Lieu : Fablab de Boulazac, Boulazac (24)"
    assert lines[first + 2].startswith("   Distance : 4,0 km · score : ")
    assert "     - jusqu'à 1\u202f000 pièces (besoin : 500)" in lines
    assert "     - délai 15 jours : trop tard pour l'échéance du 11 décembre" in lines


def test_json_is_the_api_shape(home, capsys):
    path, keys = home
    status, out, _ = run(
        capsys, "match", "--home", path, keys["mairie"].did, "visieres", "--json", "--per-page", "2"
    )
    data = json.loads(out)
    assert status == 0 and set(data) == {"need", "matches", "total", "page", "per_page"}
    assert [m["rid"] for m in data["matches"]] == ["visieres", "appels"]


def test_unknown_or_malformed_needs_are_french_messages_with_status_2(home, capsys):
    path, keys = home
    status, out, err = run(capsys, "match", "--home", path, keys["mairie"].did, "inconnu")
    assert status == 2 and out == "" and "ne détient pas de besoin « inconnu »" in err
    status, _, err = run(capsys, "match", "--home", path, "did:key:x", "visieres")
    assert status == 2 and err.startswith("maillage : AUTEUR : attendu le did:key")
    status, _, err = run(capsys, "match", "--home", path, keys["mairie"].did, "a", "--page", "x")
    assert status == 2 and "--page" in err


def test_a_subprocess_run(home):
    path, keys = home
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "node", "match", "--home", str(path), keys["mairie"].did, "rien"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ne détient pas de besoin" in done.stderr
