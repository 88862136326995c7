"""``maillage import``: CSV rows become listing records; bad rows reported; re-runs update."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from node.cli.main import main
from node.home import Node, create_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019, families_of, normalise_website
from protocol.records import Listing, validate_record
from search.index import open_for_node
from search.model import parse_params
from tests.conftest import shared_path

HEADER = "ID,NOM_TL,ADRESSE,CP,NOMCOM,INSEECOM,INSEEDEP,INSEEREG,WEB,TYPO,LAT,LONG\n"
ROWS = [
    "1,La Fabrique,12 rue Wilson,24000,Périgueux,24322,24,75,www.fabrique.fr,"
    "Tiers lieux à dominante fablab,45.1846,0.7214",  # line 2
    ",Sans nom,,,,,,,,,,",  # line 3: no name
    "3,Coordonnées,,,,,33,75,,,quarante,0.5",  # line 4: bad latitude
    '4,"Le Code, postal",,7500A,Paris,,75,11,,,48.86,2.36',  # line 5: bad postcode
    "5,Ancien Cowork,1 place,0,Moulins,0,03,84,http://ancien.fr,"
    "Tiers lieux à dominante coworking,46.56,3.33",  # line 6: "0" codes mean unknown
    "6,Sans type,,,,,,,en cours,,,",  # line 7: a website that is not one
]
PROVENANCE = {
    "source": "CGET — Mission Coworking, données du 13 juin 2019",
    "licence": "Licence Ouverte / Open Licence 2.0",
    "date": "2019-06-13",
}


@pytest.fixture
def node(tmp_path: Path):
    with create_home(tmp_path / "reseau", name="Réseau régional") as opened:
        yield opened


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def listings(node: Node) -> dict[str, dict]:
    return {r.rid: r.body for r in node.store.records(col="listing", author=node.key.did)}


def test_rows_become_listings_and_bad_rows_are_reported_with_their_line(node, tmp_path):
    summary = import_file(node, write_csv(tmp_path / "lieux.csv", ROWS), CGET_2019)
    assert (summary.read, summary.created, summary.updated, summary.unchanged) == (6, 3, 0, 0)
    reasons = dict(summary.skipped)
    assert sorted(reasons) == [3, 4, 5]
    assert reasons[3] == "identifiant manquant"
    assert "latitude" in reasons[4] and "quarante" in reasons[4]
    assert reasons[5].startswith("code postal : doit être un code postal à 5 chiffres")
    assert summary.notes == [(7, "site web ignoré : « en cours »")]
    held = listings(node)
    assert held["cget-2019-1"] == {
        "name": "La Fabrique",
        "families": ["fablab"],
        "address": {
            "street": "12 rue Wilson",
            "postcode": "24000",
            "city": "Périgueux",
            "insee_code": "24322",
        },
        "department": "24",
        "region": "75",
        "geo": {"lat": "45.1846", "lon": "0.7214"},
        "website": "https://www.fabrique.fr",
        "status": "actif",
        "provenance": {**PROVENANCE, "source_id": "1"},
    }
    old = held["cget-2019-5"]
    assert old["address"] == {"street": "1 place", "city": "Moulins"}
    assert old["families"] == ["coworking"] and old["website"] == "http://ancien.fr"
    assert held["cget-2019-6"]["families"] == [] and "website" not in held["cget-2019-6"]
    assert all(isinstance(validate_record("listing", b), Listing) for b in held.values())


def test_a_rerun_writes_nothing_and_a_changed_row_is_one_update(node, tmp_path):
    path = write_csv(tmp_path / "lieux.csv", ROWS)
    import_file(node, path, CGET_2019)
    seq = node.store.feed(node.key.did).seq
    again = import_file(node, path, CGET_2019)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert node.store.feed(node.key.did).seq == seq
    changed = [ROWS[0].replace("La Fabrique", "La Fabrique du Périgord"), *ROWS[1:]]
    third = import_file(node, write_csv(path, changed), CGET_2019)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert node.store.feed(node.key.did).seq == seq + 1
    assert listings(node)["cget-2019-1"]["name"] == "La Fabrique du Périgord"
    assert len(listings(node)) == 3


def test_a_duplicate_source_id_is_skipped(node, tmp_path):
    summary = import_file(node, write_csv(tmp_path / "d.csv", [ROWS[0], ROWS[0]]), CGET_2019)
    assert summary.created == 1 and summary.skipped == [(3, "identifiant déjà vu ligne 2")]


def test_websites_and_families_are_normalised():
    assert normalise_website("lephare-limoges.com") == "https://lephare-limoges.com"
    assert normalise_website("pop.eu.com/lastation") == "https://pop.eu.com/lastation"
    assert normalise_website("\xa0www.pingpong-cowork.com") == "https://www.pingpong-cowork.com"
    assert normalise_website("HTTP://Exemple.fr/a") == "http://Exemple.fr/a"
    assert normalise_website("Innovation studio\xa0http://theschoolab.com/") == (
        "http://theschoolab.com/"
    )
    assert normalise_website("https://atelier.jimdo.com|site web") == "https://atelier.jimdo.com"
    for junk in ("en cours", "nomade.lyon@laposte.fr", "Madame PATTE-AUBOURG", ""):
        assert normalise_website(junk) is None
    assert families_of("Tiers lieux à dominante coworking") == ["coworking"]
    assert families_of("Tiers lieux à dominante fablab") == ["fablab"]
    assert families_of("") == []
    assert families_of("Repair Café; atelier partagé, fablab") == [
        "repair-cafe",
        "atelier-partage",
        "fablab",
    ]
    assert families_of("Tiers-lieu numérique", {"tiers lieu numerique": ["fablab"]}) == ["fablab"]


MAPPING = {
    "source": "Réseau des tiers-lieux de Dordogne, inventaire 2024",
    "prefix": "tl24",
    "licence": "Licence Ouverte / Open Licence 2.0",
    "date": "2024-03-01",
    "delimiter": ";",
    "columns": {
        "source_id": "Identifiant",
        "name": "Nom",
        "street": "Adresse",
        "postcode": "CP",
        "city": ["Commune", "Ville"],
        "lat": "Latitude",
        "lon": "Longitude",
        "website": "Site",
        "families": "Type",
        "summary": "Résumé",
    },
    "families": {"Tiers-lieu numérique": ["mediation-numerique", "fablab"]},
}


def test_a_csv_with_a_mapping_through_the_command(node, tmp_path, capsys):
    mapping = tmp_path / "correspondance.json"
    mapping.write_text(json.dumps(MAPPING, ensure_ascii=False), encoding="utf-8")
    data = write_csv(
        tmp_path / "inventaire.csv",
        [
            "A-7;Le Lieu du Faire;;4100;;Lempzours;45,35;0,82;lelieudufaire.fr;"
            "Tiers-lieu numérique;Fabriquer ensemble",
            "A-8;;;;;;;;;;",
        ],
        header="Identifiant;Nom;Adresse;CP;Commune;Ville;Latitude;Longitude;Site;Type;Résumé\n",
    )
    home = str(node.settings.home)
    args = ["import", "--home", home, "--format", "csv", "--mapping", str(mapping), str(data)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 lignes lues" in out and "publiées   : 1" in out
    assert "ligne 3 : nom du lieu manquant" in out
    assert listings(node)["tl24-A-7"] == {
        "name": "Le Lieu du Faire",
        "summary": "Fabriquer ensemble",
        "families": ["mediation-numerique", "fablab"],
        "address": {"postcode": "04100", "city": "Lempzours"},
        "geo": {"lat": "45.35", "lon": "0.82"},
        "website": "https://lelieudufaire.fr",
        "status": "actif",
        "provenance": {
            "source": MAPPING["source"],
            "licence": MAPPING["licence"],
            "date": "2024-03-01",
            "source_id": "A-7",
        },
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prefix": ""}, "« prefix » est obligatoire"),
        ({"columns": {"name": "Nom"}}, "« columns » doit indiquer la colonne de « source_id »"),
        ({"colonnes": {}}, "clé inconnue"),
        ({"columns": {**MAPPING["columns"], "nom": "Nom"}}, "champ inconnu dans « columns »"),
        ({"columns": {**MAPPING["columns"], "name": "Intitulé"}}, "colonnes absentes"),
    ],
)
def test_a_bad_mapping_is_refused_before_anything_is_written(
    node, tmp_path, capsys, change, message
):
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({**MAPPING, **change}), encoding="utf-8")
    data = write_csv(tmp_path / "i.csv", ["1;Lieu"], header="Identifiant;Nom\n")
    home = str(node.settings.home)
    args = ["import", "--home", home, "--format", "csv", "--mapping", str(mapping), str(data)]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert node.store.feed(node.key.did) is None


def test_csv_needs_a_mapping(node, tmp_path, capsys):
    data = write_csv(tmp_path / "i.csv", ROWS)
    args = ["import", "--home", str(node.settings.home), "--format", "csv", str(data)]
    assert main(args) == 2
    assert "--mapping" in capsys.readouterr().err


def test_the_2019_census(node):
    path = shared_path("data", "cget-tiers-lieux-2019.csv")
    began = time.monotonic()
    summary = import_file(node, path, CGET_2019)
    elapsed = time.monotonic() - began
    print(f"\nimport of {summary.read} rows: {elapsed:.2f} s")  # measured, not asserted
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert summary.read == len(rows) == 1512
    assert summary.created + len(summary.skipped) == len(rows)
    held = listings(node)
    assert len(held) == summary.created
    imported = {f"cget-2019-{row['ID']}": row["INSEEDEP"] for row in rows}
    skipped_ids = set(imported) - set(held)
    expected = Counter(dep for rid, dep in imported.items() if rid not in skipped_ids)
    assert Counter(body["department"] for body in held.values()) == expected
    assert expected == Counter(row["INSEEDEP"] for row in rows)  # nothing skipped in fact
    index = open_for_node(node.settings.home, node.store)
    try:
        result = index.search(parse_params({"col": "listing", "per_page": "1"}))
    finally:
        index.close()
    assert result.total == len(rows)
    assert {f.code: f.count for f in result.facets["department"]} == expected
    again = import_file(node, path, CGET_2019)
    assert again.unchanged == summary.created and again.published == 0
