"""``maillage mute|unmute|mutes``, ``blocklist``, ``apply-blocklist`` and ``blocklists`` on
the command line: what they print, and bad input (French, status 2, nothing written)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from node.settings import STORE_FILE
from node.store.database import Store
from protocol.signing import sign_log
from tests.support.cli import clean_environment, make_home, run
from tests.support.samples import key

ROOT = Path(__file__).resolve().parents[2]
OTHER = key("un autre lieu")
PUBLISHER = key("un éditeur de liste")


@pytest.fixture(autouse=True)
def _clean(monkeypatch) -> None:
    clean_environment(monkeypatch)


def _own_did(home: Path) -> str:
    from node.home import open_home

    with open_home(home) as node:
        return node.key.did


def _hold(home: Path, signer, bodies) -> None:
    """Copy a feed of ``signer`` into the store of ``home`` (as replication would)."""
    store = Store(home / STORE_FILE)
    try:
        store.append(sign_log(signer, bodies, ts="2026-11-27T08:00:00Z"))
    finally:
        store.close()


def test_mute_unmute_and_the_list_of_mutes(tmp_path: Path, capsys) -> None:
    home = make_home(tmp_path, capsys)
    _hold(home, OTHER, [("profile", "profile", {"name": "Le Voisin"})])
    status, out, _ = run(capsys, "mute", "--home", home, OTHER.did, "--reason", "pourriel")
    assert status == 0 and "lieu masqué : « Le Voisin »" in out and "rien n'est publié" in out
    status, out, _ = run(capsys, "mutes", "--home", home)
    assert f"« Le Voisin » {OTHER.did}  (masqué par l'opérateur) : pourriel" in out
    status, out, _ = run(capsys, "mute", "--home", home, OTHER.did, "--reason", "autre")
    assert status == 0 and "raison mise à jour" in out
    assert run(capsys, "unmute", "--home", home, OTHER.did)[0] == 0
    assert "aucun lieu masqué" in run(capsys, "mutes", "--home", home)[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("mute", "did:key:zPasUnDid"), "n'est pas l'identifiant d'un lieu"),
        (("mute", "bonjour"), "n'est pas l'identifiant d'un lieu"),
        (("mute", OTHER.did), "ne connaît pas le lieu"),
        (("mute", "OWN"), "ne peut pas se masquer lui-même"),
        (("mute", OTHER.did, "--reason", "x" * 501), "raison trop longue"),
        (("unmute", OTHER.did), "n'est pas masqué"),
        (("blocklist", "add", OTHER.did), "--reason"),
        (("blocklist", "add", "OWN", "--reason", "moi"), "ce nœud-ci"),
        (("blocklist", "add", OTHER.did, "--reason", "r", "--list", "Pas Bon"), "nom de liste"),
        (("blocklist", "remove", OTHER.did), "n'est pas dans la liste"),
        (("apply-blocklist", "pas-un-did"), "n'est pas l'identifiant d'un lieu"),
        (("apply-blocklist", "OWN"), "liste de ce nœud-ci"),
        (("apply-blocklist", PUBLISHER.did), "ne copie pas le flux"),
        (("apply-blocklist", f"{PUBLISHER.did}/Nom Bizarre"), "nom de liste"),
        (("apply-blocklist", PUBLISHER.did, "--remove"), "n'est pas appliquée"),
    ],
)
def test_bad_input_is_refused_in_french_with_status_2(
    tmp_path: Path, capsys, args: tuple[str, ...], message: str
) -> None:
    home = make_home(tmp_path, capsys)
    own = _own_did(home)
    args = tuple(own if a == "OWN" else a for a in args)
    at = 2 if args[0] == "blocklist" else 1  # after the command (and its action)
    try:
        status, out, err = run(capsys, *args[:at], "--home", home, *args[at:])
    except SystemExit as exc:  # argparse: a missing option, in French
        status, (out, err) = exc.code, capsys.readouterr()
    assert status == 2 and message in err, err
    assert "Traceback" not in err
    status, out, _ = run(capsys, "mutes", "--home", home)
    assert "aucun lieu masqué" in out  # nothing was written


def test_publish_a_list_then_apply_one_held(tmp_path: Path, capsys) -> None:
    home = make_home(tmp_path, capsys)
    status, out, _ = run(
        capsys, "blocklist", "add", "--home", home, OTHER.did, "--reason", "faux lieu"
    )
    assert status == 0 and "ajouté à la liste « principale »" in out
    assert "ne masque rien" in out
    status, out, _ = run(capsys, "blocklist", "show", "--home", home)
    assert f"{OTHER.did} : faux lieu" in out
    assert (
        "aucun lieu masqué" in run(capsys, "mutes", "--home", home)[1]
    )  # publishing hides nothing
    assert run(capsys, "blocklist", "remove", "--home", home, OTHER.did)[0] == 0
    assert "0 lieu(x)" in run(capsys, "blocklist", "show", "--home", home)[1]

    listing = {"places": [{"did": OTHER.did, "reason": "usurpation"}]}
    _hold(home, PUBLISHER, [("blocklist", "principale", listing)])
    _hold(home, OTHER, [("profile", "profile", {"name": "Le Voisin"})])
    # held but not replicated (not followed): refused, its changes would never come
    status, _, err = run(capsys, "apply-blocklist", "--home", home, PUBLISHER.did)
    assert status == 2 and "suivez d'abord son nœud" in err
    assert "aucune liste appliquée" in run(capsys, "blocklists", "--home", home)[1]


def _maillage(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The real ``maillage`` command, in a subprocess, without the shell's settings."""
    return subprocess.run(
        [sys.executable, "-m", "node", *map(str, args)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_the_real_command_refuses_a_malformed_did(tmp_path: Path, capsys) -> None:
    home = make_home(tmp_path, capsys)
    done = _maillage("mute", "--home", home, "did:key:zzz")
    assert done.returncode == 2, done.stderr
    assert "n'est pas l'identifiant d'un lieu" in done.stderr and "Traceback" not in done.stderr
    done = _maillage("blocklists", "--home", home)
    assert done.returncode == 0 and "aucune liste appliquée" in done.stdout
