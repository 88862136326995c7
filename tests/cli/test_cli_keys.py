"""``maillage init``'s recovery key and ``maillage key rotate|recovery|recover``, in-process."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from node.home import open_home
from node.store.database import Store
from protocol.keys import load_key
from protocol.rotation import COMMIT, RECOVER, ROTATE
from tests.support.cli import LASER, PROFILE, clean_environment, head, make_home, run, write


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


def entries(home: Path) -> list[tuple[int, str, str]]:
    store = Store(home / "store.sqlite3")
    try:
        return [
            (s, c, r) for s, c, r in store.query("SELECT seq, col, rid FROM entries ORDER BY seq")
        ]
    finally:
        store.close()


def test_init_makes_a_recovery_key_and_commits_to_it(tmp_path, capsys) -> None:
    home = tmp_path / "lieu"
    status, out, err = run(capsys, "init", "--home", home, "--name", "La Fabrique")
    assert status == 0
    did = out.strip()
    recovery = home / "recovery-key.pem"
    assert stat.S_IMODE(recovery.stat().st_mode) == 0o600
    assert entries(home) == [(1, COMMIT, load_key(recovery).did)]
    assert "clé USB" in err and "effacez-le du serveur" in err and f"rm {recovery}" in err
    assert load_key(home / "key.pem").did == did
    # A second one is refused: only the committed key may name another.
    status, _, err = run(capsys, "key", "recovery", "--home", home)
    assert status == 2 and "déjà une clé de secours" in err


def test_recovery_for_a_home_without_one(tmp_path, capsys) -> None:
    home = make_home(tmp_path, capsys)  # --no-recovery-key
    assert not (home / "recovery-key.pem").exists()
    status, out, err = run(capsys, "key", "recovery", "--home", home)
    assert status == 0 and out.strip().endswith("recovery-key.pem")
    assert entries(home)[-1][1] == COMMIT and "effacez-le" in err


def test_rotate_then_publish_with_the_new_key(tmp_path, capsys) -> None:
    home = tmp_path / "lieu"
    did = run(capsys, "init", "--home", home, "--name", "La Fabrique")[1].strip()
    old = load_key(home / "key.pem")
    status, out, err = run(capsys, "key", "rotate", "--home", home)
    assert (status, out) == (0, "2\n") and "prochaine publication" in err
    new = load_key(home / "key.pem")
    assert new.did != old.did and load_key(home / "key.pem.retired-1").did == old.did
    assert (home / "identity.did").read_text().strip() == did
    assert entries(home)[-1] == (2, ROTATE, new.did)
    assert run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))[0] == 0
    with open_home(home) as node:
        assert node.key.did == did and node.key.key_did == new.did
        line = node.store.line(did, 3)
        assert line is not None
        assert node.store.key_state(did).current == new.did
    assert run(capsys, "key", "rotate", "--home", home)[0] == 0
    assert (home / "key.pem.retired-2").is_file()


def test_recover_after_a_theft(tmp_path, capsys) -> None:
    home = tmp_path / "lieu"
    did = run(capsys, "init", "--home", home, "--name", "La Fabrique")[1].strip()
    run(capsys, "profile", "put", "--home", home, write(tmp_path, PROFILE))
    offsite = tmp_path / "usb.pem"
    (home / "recovery-key.pem").rename(offsite)  # kept offline, as the terminal says
    run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))  # "the thief's"
    assert head(home) == 3
    status, out, err = run(
        capsys, "key", "recover", "--home", home, "--recovery-key", offsite, "--after", "2"
    )
    assert (status, out) == (0, "3\n"), err
    assert "désavouées (1 ici)" in err
    assert entries(home)[-1][:2] == (3, RECOVER)
    with open_home(home) as node:
        assert node.store.records("offer", author=did) == []
        assert node.store.disowned(did)[0][0] == 3
        assert node.key.key_did == node.store.key_state(did).current
    assert run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))[0] == 0
    assert head(home) == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--after", "0"], "n'est pas un n° d'entrée"),
        (["--after", "x"], "n'est pas un n° d'entrée"),
        (["--after", "9"], "--after doit être entre 1 et 1"),
    ],
)
def test_recover_refusals_write_nothing(tmp_path, capsys, args, message) -> None:
    home = tmp_path / "lieu"
    run(capsys, "init", "--home", home, "--name", "La Fabrique")
    before = entries(home)
    key_file = home / "recovery-key.pem"
    try:
        status, _, err = run(
            capsys, "key", "recover", "--home", home, "--recovery-key", key_file, *args
        )
    except SystemExit as exc:  # refused by the parser
        status, err = exc.code, capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
    assert entries(home) == before and not (home / "key.pem.next").exists()


def test_recover_with_another_key_is_refused(tmp_path, capsys) -> None:
    home = tmp_path / "lieu"
    run(capsys, "init", "--home", home, "--name", "La Fabrique")
    other = tmp_path / "autre"
    run(capsys, "init", "--home", other, "--name", "Autre")
    status, _, err = run(
        capsys,
        "key",
        "recover",
        "--home",
        home,
        "--recovery-key",
        other / "key.pem",
        "--after",
        "1",
    )
    assert status == 2 and "n'est pas la clé de secours" in err
    assert head(home) == 1


def test_an_interrupted_rotation_is_finished_at_the_next_opening(tmp_path, capsys) -> None:
    from node.home import next_key_path, prepare_next_key
    from node.publishing import keys
    from protocol.keys import SigningKey

    home = tmp_path / "lieu"
    run(capsys, "init", "--home", home, "--name", "La Fabrique")
    with open_home(home) as node:
        new = SigningKey.generate()
        prepare_next_key(node, new)
        keys.rotate(node.store, node.key, new.did)  # then the power went off
        assert next_key_path(node.settings).is_file()
    with open_home(home) as node:
        assert node.key.key_did == new.did and not next_key_path(node.settings).exists()
