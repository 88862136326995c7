"""``maillage profile|offer|need``, in-process, on temporary homes.

Every mistake must print a French message naming the field and write nothing: the feed head
is checked after each one. ``maillage init`` is tested in ``test_cli_init.py``.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from node.cli.main import main
from node.store.database import Store
from protocol.keys import load_key
from protocol.signing import sign_entry
from protocol.verification import verify_line
from tests.support.cli import (
    LASER,
    PROFILE,
    VISIERES,
    clean_environment,
    head,
    make_home,
    run,
    write,
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def home(tmp_path, capsys) -> Path:
    return make_home(tmp_path, capsys)


# -- profile ------------------------------------------------------------------------------


def test_profile_put_and_show(home, tmp_path, capsys) -> None:
    assert run(capsys, "profile", "show", "--home", home)[1].startswith("aucun profil publié")
    assert run(capsys, "profile", "show", "--home", home, "--json")[1] == "null\n"
    path = write(tmp_path, PROFILE)
    assert run(capsys, "profile", "put", "--home", home, path) == (
        0,
        "profil publié (entrée n° 1)\n",
        "",
    )
    status, out, _ = run(capsys, "profile", "show", "--home", home)
    assert status == 0
    assert "Nom : La Fabrique du Périgord\n" in out
    assert "Types de lieu : Fablab, Repair café\n" in out
    assert "Adresse : 24000 Périgueux (code commune 24322)\n" in out
    assert "État : En activité\n" in out and out.endswith("(entrée n° 1)\n")
    assert json.loads(run(capsys, "profile", "show", "--home", home, "--json")[1]) == PROFILE
    assert run(capsys, "profile", "put", "--home", home, path)[1] == (
        "profil inchangé : rien n'a été écrit\n"
    )
    write(tmp_path, {**PROFILE, "status": "ferme-temporairement", "accessibilite": "PMR"})
    assert run(capsys, "profile", "put", "--home", home, path)[1] == (
        "profil mis à jour (entrée n° 2)\n"
    )
    out = run(capsys, "profile", "show", "--home", home)[1]
    assert "État : Fermé temporairement\n" in out and 'accessibilite (champ libre) : "PMR"' in out
    assert head(home) == 2


# -- offers and needs ---------------------------------------------------------------------


def test_offer_put_list_del(home, tmp_path, capsys) -> None:
    path = write(tmp_path, LASER)
    assert run(capsys, "offer", "put", "--home", home, path) == (
        0,
        "offre « decoupe-laser » publiée (entrée n° 1)\n",
        "",
    )
    status, out, _ = run(capsys, "offer", "list", "--home", home)
    assert (status, out) == (
        0,
        "decoupe-laser — Découpe laser — Prototypage — valable jusqu'au 30/06/2099\n",
    )
    rows = json.loads(run(capsys, "offer", "list", "--home", home, "--json")[1])
    assert [(r["rid"], r["seq"], r["body"]) for r in rows] == [("decoupe-laser", 1, LASER)]
    assert rows[0]["entry"].startswith("sha256-")
    assert run(capsys, "offer", "del", "--home", home, "decoupe-laser") == (
        0,
        "offre « decoupe-laser » retirée (entrée n° 2)\n",
        "",
    )
    assert run(capsys, "offer", "list", "--home", home)[1] == "aucune offre publiée\n"
    assert run(capsys, "offer", "list", "--home", home, "--json")[1] == "[]\n"


def test_need_put_list_del(home, tmp_path, capsys) -> None:
    path = write(tmp_path, {**VISIERES, "valid_until": "2020-05-01"})
    assert run(capsys, "need", "put", "--home", home, path)[1] == (
        "besoin « elastique-pour-500-visieres » publié (entrée n° 1)\n"
    )
    assert run(capsys, "need", "list", "--home", home)[1] == (
        "elastique-pour-500-visieres — Élastique pour 500 visières — Petite série sur mesure "
        "— expiré depuis le 01/05/2020\n"
    )
    assert run(capsys, "offer", "list", "--home", home)[1] == "aucune offre publiée\n"
    assert run(capsys, "need", "del", "--home", home, "elastique-pour-500-visieres")[1] == (
        "besoin « elastique-pour-500-visieres » retiré (entrée n° 2)\n"
    )
    assert run(capsys, "need", "list", "--home", home)[1] == "aucun besoin publié\n"


def test_rids_are_unique_and_never_reused(home, tmp_path, capsys) -> None:
    path = write(tmp_path, LASER)
    published = [run(capsys, "offer", "put", "--home", home, path)[1] for _ in range(2)]
    assert run(capsys, "offer", "del", "--home", home, "decoupe-laser")[0] == 0
    published.append(run(capsys, "offer", "put", "--home", home, path)[1])
    assert published == [
        "offre « decoupe-laser » publiée (entrée n° 1)\n",
        "offre « decoupe-laser-2 » publiée (entrée n° 2)\n",
        "offre « decoupe-laser-3 » publiée (entrée n° 4)\n",
    ]
    # Needs have their own ids: the same title gives the plain slug there.
    assert (
        run(capsys, "need", "put", "--home", home, path)[1]
        == "besoin « decoupe-laser » publié (entrée n° 5)\n"
    )


def test_put_with_rid_updates_or_creates(home, tmp_path, capsys) -> None:
    path = write(tmp_path, LASER)
    run(capsys, "offer", "put", "--home", home, path)
    write(tmp_path, {**LASER, "title": "Découpe et gravure laser"})
    assert run(capsys, "offer", "put", "--home", home, "--rid", "decoupe-laser", path)[1] == (
        "offre « decoupe-laser » mise à jour (entrée n° 2)\n"
    )
    assert run(capsys, "offer", "put", "--home", home, "--rid", "decoupe-laser", path)[1] == (
        "offre « decoupe-laser » inchangée : rien n'a été écrit\n"
    )
    assert run(capsys, "offer", "put", "--home", home, "--rid", "Atelier:3D.v2_b", path)[1] == (
        "offre « Atelier:3D.v2_b » publiée (entrée n° 3)\n"
    )
    rows = json.loads(run(capsys, "offer", "list", "--home", home, "--json")[1])
    assert [(r["rid"], r["body"]["title"]) for r in rows] == [
        ("Atelier:3D.v2_b", "Découpe et gravure laser"),
        ("decoupe-laser", "Découpe et gravure laser"),
    ]


def test_unknown_fields_and_codes_are_kept(home, tmp_path, capsys) -> None:
    body = {
        **LASER,
        "category": "production.impression-3d",
        "enjeux": ["souverainete-numerique"],
        "conditions": {"price": "10", "deposit": {"amount": "50.00", "days": 3}},
        "accessibility": ["pmr"],
    }
    body.pop("valid_until")
    assert run(capsys, "offer", "put", "--home", home, write(tmp_path, body))[0] == 0
    rows = json.loads(run(capsys, "offer", "list", "--home", home, "--json")[1])
    assert rows[0]["body"] == body
    assert run(capsys, "offer", "list", "--home", home)[1] == (
        "decoupe-laser — Découpe laser — production.impression-3d — sans date de fin\n"
    )


def test_record_from_stdin(home, capsys, monkeypatch) -> None:
    data = json.dumps(VISIERES, ensure_ascii=False).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + data)))
    assert run(capsys, "need", "put", "--home", home, "-")[0] == 0
    assert head(home) == 1


# -- every mistake: a French message naming the problem, nothing written ------------------

BAD_FILES = [
    ("invalid-json", '{"title": "a",\n  "category": "x",, }', 1, "ligne 2, colonne 19"),
    ("duplicate", '{"title": "a", "category": "x", "title": "b"}', 1, "title : champ écrit deux"),
    (
        "float-price",
        {**LASER, "conditions": {"price": 25.5}},
        1,
        'conditions.price : les nombres à virgule sont interdits : écrivez "25.5"',
    ),
    ("float-extra", '{"title": "a", "category": "x", "poids": 1.5e3}', 1, "poids : les nombres"),
    ("big-integer", {**VISIERES, "quantity": 2**60}, 1, "quantity : nombre entier trop grand"),
    ("wrong-type", {**LASER, "title": 3}, 1, "title : doit être du texte"),
    ("string-number", {**LASER, "area": {"radius_km": "30"}}, 1, "area.radius_km : doit être"),
    ("missing", {"title": "Sans catégorie"}, 1, "category : champ obligatoire manquant"),
    ("bad-date", {**LASER, "valid_until": "31/12/2026"}, 1, "valid_until : "),
    ("bad-code", {**LASER, "category": "Découpe"}, 1, "category : doit être un code"),
    ("not-object", "[1, 2]", 1, "doit contenir un objet JSON"),
    ("empty", "  \n", 1, "le fichier est vide"),
    ("not-utf8", b'{"title": "\xe9t\xe9"}', 1, "n'est pas encodé en UTF-8"),
    ("too-large", {**LASER, "notes": "é" * 40_000}, 1, "fiche trop longue"),
    ("too-deep", "[" * 20 + "]" * 20, 1, "imbrication trop profonde"),
]


@pytest.mark.parametrize(("case", "content", "status", "said"), BAD_FILES, ids=lambda c: c)
def test_bad_record_files_write_nothing(home, tmp_path, capsys, case, content, status, said):
    good = write(tmp_path, LASER, "bon.json")
    run(capsys, "offer", "put", "--home", home, good)
    path = write(tmp_path, content)
    for col in ("offer", "need"):
        result = run(capsys, col, "put", "--home", home, path)
        assert result[:2] == (status, "")
        assert said in result[2], result[2]
        assert "rien n'a été écrit" in result[2]
    assert head(home) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["offer", "put", "{home}", "{tmp}/absent.json"], "fichier introuvable"),
        (["offer", "put", "{home}", "{tmp}"], "c'est un dossier"),
        (["offer", "put", "{home}", "--rid", "a b", "{good}"], "--rid : « a b » n'est pas"),
        (["offer", "put", "{home}", "--rid", "é", "{good}"], "--rid : « é »"),
        (["offer", "put", "{home}", "--rid", "x" * 129, "{good}"], "identifiant valide"),
        (["offer", "del", "{home}", "inconnue"], "« inconnue » inconnue (publiées : decoupe"),
        (["need", "del", "{home}", "decoupe-laser"], "inconnu (publiés : aucun besoin)"),
        (["offer", "del", "{home}", "a/b"], "ID : « a/b » n'est pas"),
        (["offer", "del", "{home}", "retiree"], "« retiree » est déjà retirée"),
    ],
)
def test_usage_errors_write_nothing(home, tmp_path, capsys, args, said) -> None:
    good = write(tmp_path, LASER, "bon.json")
    run(capsys, "offer", "put", "--home", home, good)
    run(capsys, "offer", "put", "--home", home, "--rid", "retiree", good)
    run(capsys, "offer", "del", "--home", home, "retiree")
    values = {"{home}": f"--home={home}", "{tmp}": str(tmp_path), "{good}": str(good)}
    argv = [a.replace("{tmp}", str(tmp_path)) for a in (values.get(a, a) for a in args)]
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.startswith("maillage : ") and said in err, err
    assert "rien n'a été écrit" in err
    assert head(home) == 3


def test_argparse_usage_error_exits_2(home, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["offer", "put", "--home", str(home)])
    assert exc.value.code == 2
    assert head(home) == 0


def test_a_frozen_feed_refuses_to_publish(home, tmp_path, capsys) -> None:
    path = write(tmp_path, LASER)
    run(capsys, "offer", "put", "--home", home, path)
    run(capsys, "offer", "put", "--home", home, path)
    signer = load_key(home / "key.pem")
    store = Store(home / "store.sqlite3")
    first = verify_line(store.line(signer.did, 1))
    twin = sign_entry(signer, seq=2, prev=first.id, col="offer", rid="copie", body=LASER)
    assert store.append([twin]).forks  # the key was used on a second machine
    store.close()
    status, _, err = run(capsys, "offer", "put", "--home", home, path)
    assert status == 2 and "bloqué" in err and "n° 2" in err
    assert head(home) == 2


def test_publishing_while_another_process_reads_and_writes(home, tmp_path, capsys) -> None:
    """The server holds read transactions and writes too: the command waits its turn."""
    reader = sqlite3.connect(home / "store.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM entries").fetchone() == (0,)
    writer = sqlite3.connect(home / "store.sqlite3", isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # holds the write lock
    release = threading.Timer(0.3, writer.execute, ("COMMIT",))
    release.start()
    try:
        assert run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))[0] == 0
    finally:
        release.join()
        writer.close()
    assert reader.execute("SELECT COUNT(*) FROM entries").fetchone() == (0,)  # its snapshot
    reader.execute("COMMIT")
    assert reader.execute("SELECT COUNT(*) FROM entries").fetchone() == (1,)
    reader.close()
