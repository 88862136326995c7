"""``maillage init``, and what every command says about a broken home, in-process."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from protocol.keys import load_key
from tests.support.cli import LASER, clean_environment, make_home, run, snapshot, write


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def home(tmp_path, capsys) -> Path:
    return make_home(tmp_path, capsys)


# -- init ---------------------------------------------------------------------------------


def test_init_creates_key_settings_and_store(tmp_path, capsys) -> None:
    path = tmp_path / "a" / "lieu"
    status, out, err = run(
        capsys, "init", "--home", path, "--name", "Le Tiers-Lieu", "--url", "https://tl.exemple.fr"
    )
    assert status == 0
    did = out.strip()
    assert out == did + "\n" and did.startswith("did:key:z6Mk")
    assert did == load_key(path / "key.pem").did
    assert stat.S_IMODE((path / "key.pem").stat().st_mode) == 0o600
    assert "sauvegardez" in err and str((path / "key.pem").absolute()) in err
    settings = (path / "maillage.toml").read_text("utf-8")
    assert 'name = "Le Tiers-Lieu"' in settings
    assert 'public_url = "https://tl.exemple.fr/"' in settings
    assert "# Port d'écoute" in settings and "MAILLAGE_" in settings
    assert (path / "store.sqlite3").is_file()
    assert run(capsys, "offer", "list", "--home", path) == (0, "aucune offre publiée\n", "")


def test_init_uses_maillage_home(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "env"))
    assert run(capsys, "init", "--name", "Lieu")[0] == 0
    assert (tmp_path / "env" / "key.pem").is_file()


def test_home_option_wins_over_maillage_home(tmp_path, capsys, monkeypatch) -> None:
    for name in ("env", "option"):
        assert run(capsys, "init", "--home", tmp_path / name, "--name", name)[0] == 0
    monkeypatch.setenv("MAILLAGE_HOME", str(tmp_path / "env"))
    offer = tmp_path / "offre.json"
    offer.write_text('{"title": "Découpe laser", "category": "production.prototypage"}')
    put = ("offer", "put", "--home", tmp_path / "option", "--rid", "laser", offer)
    assert run(capsys, *put)[0] == 0
    assert "Découpe laser" in run(capsys, "offer", "list", "--home", tmp_path / "option")[1]
    assert run(capsys, "offer", "list")[1] == "aucune offre publiée\n"  # $MAILLAGE_HOME's node


@pytest.mark.parametrize("existing", ["node", "other file"])
def test_init_refuses_an_existing_home_and_changes_nothing(home, tmp_path, capsys, existing):
    if existing == "other file":
        home = tmp_path / "autre"
        home.mkdir()
        (home / "notes.txt").write_text("à garder")
    before = snapshot(home)
    status, out, err = run(capsys, "init", "--home", home, "--name", "Autre")
    assert (status, out) == (2, "")
    assert "existe déjà" in err and "rien n'a été écrasé" in err
    assert snapshot(home) == before


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--url", "ftp://fablab.fr", "https://"),
        ("--url", "fablab.fr", "https://"),
        ("--url", "https://", "nom de la machine"),
        ("--url", "https://fab lab.fr", "espace"),
        ("--url", "https://fablab.fr:99999", "adresse web valide"),
        ("--name", "  ", "vide"),
        ("--name", "a\nb", "retour à la ligne"),
        ("--name", "x" * 201, "200"),
    ],
)
def test_init_refuses_bad_options(tmp_path, capsys, option, value, said) -> None:
    args = {"--name": "Lieu", option: value}
    status, out, err = run(capsys, "init", "--home", tmp_path / "h", *sum(args.items(), ()))
    assert (status, out) == (2, "")
    assert err.startswith(f"maillage : {option} : ") and said in err
    assert not (tmp_path / "h").exists()


def test_a_failed_init_leaves_nothing_behind(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MAILLAGE_PORT", "quatre-vingts")  # breaks the settings once written
    status, out, err = run(capsys, "init", "--home", tmp_path / "h", "--name", "Lieu")
    assert (status, out) == (2, "") and "port" in err
    assert not (tmp_path / "h").exists()


def test_a_key_readable_by_others_is_refused_in_french(home, capsys) -> None:
    (home / "key.pem").chmod(0o644)
    status, _, err = run(capsys, "offer", "list", "--home", home)
    assert status == 2 and "lisible par d'autres utilisateurs" in err and "chmod 600" in err


def test_commands_need_an_existing_node(tmp_path, capsys) -> None:
    status, _, err = run(capsys, "offer", "list", "--home", tmp_path / "nulle-part")
    assert status == 2 and "maillage init" in err


def test_a_missing_store_is_not_recreated(home, tmp_path, capsys) -> None:
    (home / "store.sqlite3").unlink()
    status, _, err = run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))
    assert status == 2 and "absente" in err
    assert not (home / "store.sqlite3").exists()


def test_options_win_over_the_environment_which_wins_over_the_file(home, monkeypatch) -> None:
    from node.settings import Settings

    assert Settings.load(home).port == 8080  # the file
    monkeypatch.setenv("MAILLAGE_PORT", "8181")
    assert Settings.load(home).port == 8181  # the environment
    assert Settings.load(home, port=8282).port == 8282  # an option (serve --port)
