"""``maillage export``: CSV, GeoJSON and JSON-LD of every current record a node holds.

One node holds its own feed (profile, offers, a deleted offer, a record of a collection
without a model) and replicated feeds: a neighbour with hostile text, a place without a
profile, a feed whose current offer body was withheld, and a feed frozen after a fork.
Each format is parsed back with the standard library.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from node.cli.main import main
from node.home import Node, create_home
from node.io import export as formats
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from protocol.entries import withhold
from protocol.signing import sign_entry
from protocol.verification import verify_line
from tests.conftest import shared_path
from tests.support.cli import LASER, PROFILE, VISIERES, clean_environment, run
from tests.support.live_nodes import LiveNode, cli
from tests.support.samples import OFFER, chain, key

BASE = "https://fabrique.example"
NANTES = {
    "name": "Atelier =Partagé",
    "address": {"city": "Nantes", "postcode": "44000"},
    "department": "44",
    "region": "52",
    "geo": {"lat": "47.2184", "lon": "-1.5528"},
    "contact": {"email": "contact@atelier.example", "phone": "+33 2 40 00 00 00"},
}
HOSTILE = {
    "title": '=HYPERLINK("http://evil.example","clic")',
    "description": 'ligne 1\nligne 2, avec "guillemets"; point-virgule\r\n@fin\x00',
    "category": "production.textile",
    "tags": ["+33", "-moins", "@arobase", "normal"],
    "conditions": {"pricing": "devis"},
}
NOWHERE = {"title": "Offre d'un lieu sans profil", "category": "accueil.salle"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch) -> None:
    clean_environment(monkeypatch)


@pytest.fixture
def node(tmp_path: Path):
    with create_home(tmp_path / "lieu", name="La Fabrique", public_url=BASE) as opened:
        store, me = opened.store, opened.key
        store.append_own(me, col="profile", rid="profile", body=PROFILE)
        store.append_own(me, col="offer", rid="laser", body=LASER)
        store.append_own(me, col="need", rid="visieres", body=VISIERES)
        store.append_own(me, col="offer", rid="retiree", body={**LASER, "title": "Retirée"})
        store.append_own(me, col="offer", rid="retiree", op="del")
        store.append_own(me, col="endorse", rid="x", body={"note": "une collection future"})
        voisin = chain(
            key("voisin"),
            [
                ("profile", "profile", NANTES),
                ("offer", "couture", HOSTILE),
                ("offer", "laser", OFFER),
            ],
        )
        store.append(voisin)
        store.append(chain(key("sans-profil"), [("offer", "salle", NOWHERE)]))
        retenu = chain(key("retenu"), [("offer", "a", OFFER)])
        store.append([verify_line(withhold(retenu[0].line))])
        fourche = key("fourche")
        first = chain(fourche, [("offer", "un", OFFER)])
        store.append(first)
        other = sign_entry(fourche, seq=1, prev=None, col="offer", rid="deux", body=OFFER)
        assert store.append([other]).forks
        yield opened


def export(capsys, node: Node, tmp_path: Path, *args: str) -> tuple[bytes, str]:
    """Run ``maillage export`` to a file; the file's bytes and the summary."""
    output = tmp_path / "sortie" / "export.out"
    output.parent.mkdir(exist_ok=True)
    status, out, err = run(capsys, "export", "--home", node.settings.home, "-o", output, *args)
    assert status == 0, err
    assert out == ""
    assert sorted(os.listdir(output.parent)) == ["export.out"]  # no temporary file left
    return output.read_bytes(), err


def read_csv(data: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark, for Excel
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    assert tuple(reader.fieldnames or ()) == formats.COLUMN_NAMES
    return list(reader)


def by_key(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["author"], r["col"], r["rid"]): r for r in rows}


# -- CSV ----------------------------------------------------------------------------------


def test_csv_has_every_current_record_own_and_replicated(node, tmp_path, capsys):
    data, err = export(capsys, node, tmp_path, "--format", "csv")
    rows = by_key(read_csv(data))
    me, voisin = node.key.did, key("voisin").did
    assert set(rows) == {
        (me, "profile", "profile"),
        (me, "offer", "laser"),
        (me, "need", "visieres"),
        (me, "endorse", "x"),
        (voisin, "profile", "profile"),
        (voisin, "offer", "couture"),
        (voisin, "offer", "laser"),
        (key("sans-profil").did, "offer", "salle"),
    }  # not the deleted offer, the withheld body, nor the forked feed
    assert [r["col"] for r in read_csv(data)][:2] == ["profile", "profile"]
    laser = rows[(me, "offer", "laser")]
    assert laser["title"] == "Découpe laser"
    assert laser["category_label"] == "Prototypage"
    assert laser["enjeux_labels"] == "Transition écologique"
    assert (laser["pricing"], laser["price"], laser["price_unit"]) == ("tarif", "25.00", "heure")
    assert laser["page"] == f"{BASE}/lieux/{me}/offer/laser"
    assert (laser["place_name"], laser["commune"], laser["department"]) == (
        "La Fabrique du Périgord",
        "Périgueux",
        "24",
    )
    assert (laser["lat"], laser["lon"]) == ("45.1846", "0.7214")  # the author's place
    assert laser["updated"].endswith("Z") and laser["seq"] == "2"
    assert json.loads(laser["body"]) == LASER
    need = rows[(me, "need", "visieres")]
    assert (need["quantity"], need["unit"], need["urgency"]) == ("500", "mètres", "haute")
    nantes = rows[(voisin, "profile", "profile")]
    assert nantes["lon"] == "-1.5528"  # a negative number is no formula: kept as it is
    assert nantes["email"] == "contact@atelier.example"
    assert nantes["title"] == "Atelier =Partagé"  # only a leading = is a formula
    assert rows[(voisin, "offer", "laser")]["place_name"] == "Atelier =Partagé"
    assert "Export CSV : 8 enregistrements de 3 flux" in err
    assert "contenu retiré" in err
    assert "1 enregistrement de 1 flux gelé après une fourche" in err


def test_csv_neutralises_formulas_and_keeps_hostile_text_in_its_cell(node, tmp_path, capsys):
    data, _ = export(capsys, node, tmp_path)
    row = by_key(read_csv(data))[(key("voisin").did, "offer", "couture")]
    assert row["title"] == "'" + HOSTILE["title"]
    assert row["description"] == HOSTILE["description"].replace("\x00", "")
    assert row["tags"] == "'+33 ; -moins ; @arobase ; normal"
    assert json.loads(row["body"]) == HOSTILE  # the exact record is there too
    assert b"\x00" not in data
    for line in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"):
        for cell in line:
            assert not cell.startswith(("=", "+", "@")), cell
            assert not cell.startswith("-") or formats._NUMBER.fullmatch(cell), cell


def test_spreadsheet_safe():
    safe = formats.spreadsheet_safe
    assert safe("=1+1") == "'=1+1"
    assert safe("+33 6") == "'+33 6"
    assert safe("-2") == "-2" and safe("-0.5528") == "-0.5528"
    assert safe("-2+3") == "'-2+3"
    assert safe("@SUM(A1)") == "'@SUM(A1)"
    assert safe("\tx") == "'\tx" and safe("\rx") == "'\rx"
    assert safe("a=b") == "a=b" and safe("") == ""


def test_csv_with_commas_and_chosen_collections(node, tmp_path, capsys):
    data, err = export(capsys, node, tmp_path, "--delimiter", ",", "--col", "need", "profile")
    rows = read_csv(data, delimiter=",")
    assert sorted(r["col"] for r in rows) == ["need", "profile", "profile"]
    data, err = export(capsys, node, tmp_path, "--col", "offer", "--col", "inconnue")
    assert {r["col"] for r in read_csv(data)} == {"offer"}
    assert "inconnue : aucun enregistrement de cette collection" in err


def test_csv_to_standard_output(node, capsysbinary):
    assert main(["export", "--home", str(node.settings.home)]) == 0
    out, err = capsysbinary.readouterr()
    assert len(read_csv(out)) == 8
    assert "Export CSV" in err.decode("utf-8") and b"Traceback" not in err


async def test_a_feed_replicated_over_the_network_is_exported(tmp_path):
    author, follower = LiveNode(tmp_path, "Auteur"), LiveNode(tmp_path, "Suiveur")
    await author.start()
    await follower.start()
    try:
        await author.put("profile", PROFILE, col="profile")
        await author.put("laser", LASER)
        await author.put("ancienne", {**LASER, "title": "Ancienne offre"})
        await author.put("ancienne", None)  # deleted before the copy
        assert (await cli("follow", "--home", follower.home, author.url))[0] == 0
        await follower.sync()
        status, out, err = await cli("export", "--home", follower.home, "--col", "offer")
    finally:
        await follower.stop()
        await author.stop()
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff")), delimiter=";"))
    assert [(r["author"], r["rid"], r["commune"]) for r in rows] == [
        (author.did, "laser", "Périgueux")
    ]


# -- GeoJSON ------------------------------------------------------------------------------


def test_geojson_feature_collection_in_lon_lat_order(node, tmp_path, capsys):
    data, err = export(capsys, node, tmp_path, "--format", "geojson")
    collection = json.loads(data)
    assert set(collection) == {"type", "features"}
    assert collection["type"] == "FeatureCollection"
    features = {f["id"]: f for f in collection["features"]}
    assert len(features) == len(collection["features"]) == 6
    for item in features.values():
        assert set(item) == {"type", "id", "geometry", "properties"}
        assert item["type"] == "Feature" and item["geometry"]["type"] == "Point"
        lon, lat = item["geometry"]["coordinates"]
        assert isinstance(lon, float) and isinstance(lat, float)
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert item["properties"]["lon"] == str(lon) and item["properties"]["lat"] == str(lat)
        assert set(item["properties"]) == set(formats.COLUMN_NAMES)
    me, voisin = node.key.did, key("voisin").did
    assert features[f"{voisin}/profile/profile"]["geometry"]["coordinates"] == [-1.5528, 47.2184]
    assert features[f"{voisin}/offer/couture"]["geometry"]["coordinates"] == [-1.5528, 47.2184]
    assert features[f"{me}/need/visieres"]["geometry"]["coordinates"] == [0.7214, 45.1846]
    hostile = features[f"{voisin}/offer/couture"]["properties"]
    assert hostile["title"] == HOSTILE["title"]  # JSON, not a spreadsheet: text as it is
    assert hostile["body"] == HOSTILE
    assert f"{key('sans-profil').did}/offer/salle" not in features
    assert "sans position, absents du GeoJSON : 2 (endorse 1, offer 1)" in err


# -- JSON-LD ------------------------------------------------------------------------------


def test_jsonld_graph_of_schema_org_types(node, tmp_path, capsys):
    with create_home(tmp_path / "suiveur", name="Suiveur") as other:
        node.store.append(chain(other.key, [("follow", node.key.did, {"url": BASE})]))
    data, err = export(capsys, node, tmp_path, "--format", "jsonld")
    document = json.loads(data)
    assert document["@context"] == "https://schema.org"
    graph = {n["@id"]: n for n in document["@graph"]}
    assert all("@context" not in n for n in graph.values())
    me, voisin = node.key.did, key("voisin").did
    place = graph[f"{BASE}/lieux/{me}"]
    assert place["@type"] == "LocalBusiness" and place["name"] == "La Fabrique du Périgord"
    assert place["geo"]["latitude"] == "45.1846"
    assert [o["@id"] for o in place["makesOffer"]] == [f"{BASE}/lieux/{me}/offer/laser"]
    assert [o["@id"] for o in place["seeks"]] == [f"{BASE}/lieux/{me}/need/visieres"]
    laser = graph[f"{BASE}/lieux/{me}/offer/laser"]
    assert laser["@type"] == "Offer"
    assert laser["offeredBy"]["@id"] == f"{BASE}/lieux/{me}"
    assert laser["priceSpecification"]["price"] == "25.00"
    need = graph[f"{BASE}/lieux/{me}/need/visieres"]
    assert need["@type"] == "Demand" and need["@reverse"]["seeks"]["@id"] == place["@id"]
    assert graph[f"{BASE}/lieux/{voisin}/offer/couture"]["name"] == HOSTILE["title"]
    follows = [n for n in graph.values() if n["@type"] == "FollowAction"]
    assert len(follows) == 1 and follows[0]["followee"]["@id"] == place["@id"]
    types = sorted(n["@type"] for n in graph.values())
    assert types == ["Demand", "FollowAction", *["LocalBusiness"] * 2, *["Offer"] * 4]
    assert "sans équivalent schema.org, absents du JSON-LD : 1 (endorse 1)" in err


def test_jsonld_listing_is_a_place_with_its_own_page(node, tmp_path, capsys):
    listing = {
        "name": "Tiers-lieu recensé",
        "address": {"city": "Nontron"},
        "provenance": {"source": "Recensement"},
    }
    node.store.append_own(node.key, col="listing", rid="cget-2019-1", body=listing)
    data, _ = export(capsys, node, tmp_path, "--format", "jsonld", "--col", "listing")
    (item,) = json.loads(data)["@graph"]
    assert item["@id"] == f"{BASE}/lieux/{node.key.did}/listing/cget-2019-1"
    assert item["@type"] == "LocalBusiness" and item["name"] == "Tiers-lieu recensé"
    data, _ = export(capsys, node, tmp_path, "--col", "listing")
    (row,) = read_csv(data)
    assert (row["source"], row["commune"], row["lat"]) == ("Recensement", "Nontron", "")


# -- errors and the file written ------------------------------------------------------------


def test_errors_are_french_and_leave_nothing_behind(node, tmp_path, capsys):
    home = str(node.settings.home)
    status, _, err = run(capsys, "export", "--home", tmp_path / "absent")
    assert status == 2 and "n'est pas un dossier de nœud Maillage" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--home", home, "--format", "xlsx"])
    assert exit_info.value.code == 2
    assert "choix invalide" in capsys.readouterr().err
    status, _, err = run(capsys, "export", "--home", home, "-o", tmp_path / "nulle-part" / "x")
    assert status == 2 and "impossible d'écrire dans" in err and "dossier introuvable" in err
    status, _, err = run(capsys, "export", "--home", home, "-o", tmp_path)
    assert status == 2 and "est un dossier" in err
    status, _, err = run(capsys, "export", "--home", home, "--col", "Offre!")
    assert status == 2 and "n'est pas un nom de collection" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_folder(node, tmp_path, capsys):
    folder = tmp_path / "lecture-seule"
    folder.mkdir(mode=0o500)
    status, _, err = run(capsys, "export", "--home", node.settings.home, "-o", folder / "x.csv")
    assert status == 2 and "permission refusée" in err


def test_output_replaces_an_old_export_atomically(node, tmp_path, capsys):
    output = tmp_path / "export.csv"
    output.write_text("ancien export", "utf-8")
    output.chmod(0o640)
    status, _, err = run(capsys, "export", "--home", node.settings.home, "-o", output)
    assert status == 0 and f"Écrit dans {output}" in err
    assert len(read_csv(output.read_bytes())) == 8
    assert output.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["export.csv", "lieu"]


def test_an_empty_node_exports_valid_empty_documents(tmp_path, capsys):
    with create_home(tmp_path / "vide", name="Vide") as empty:
        data, err = export(capsys, empty, tmp_path)
        assert read_csv(data) == []
        assert "Export CSV : 0 enregistrement de 0 flux" in err
        data, _ = export(capsys, empty, tmp_path, "--format", "geojson")
        assert json.loads(data) == {"type": "FeatureCollection", "features": []}
        data, _ = export(capsys, empty, tmp_path, "--format", "jsonld")
        assert json.loads(data) == {"@context": "https://schema.org", "@graph": []}


# -- the 2019 census ------------------------------------------------------------------------


def test_the_2019_census_exports_1512_listing_rows(tmp_path, capsys):
    path = shared_path("data", "cget-tiers-lieux-2019.csv")
    with create_home(tmp_path / "reseau", name="Réseau régional") as network:
        summary = import_file(network, path, CGET_2019)
        assert summary.created == 1512
        data, err = export(capsys, network, tmp_path)
        rows = read_csv(data)
        assert len(rows) == 1512 and {r["col"] for r in rows} == {"listing"}
        assert len({r["rid"] for r in rows}) == 1512
        assert all(r["source"].startswith("CGET") for r in rows)
        assert "listing :   1512" in err
        data, err = export(capsys, network, tmp_path, "--format", "geojson")
        located = json.loads(data)["features"]
        assert len(located) + sum(formats.unlocated(formats.gather(network.store)).values()) == 1512


def test_progress_is_drawn_only_for_big_exports(monkeypatch):
    from node.cli.common import ProgressBar
    from node.cli.export import PROGRESS_FROM

    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    bar = ProgressBar("Export", "enregistrements", PROGRESS_FROM)
    bar(500, 1000)
    bar.close()
    assert stream.getvalue() == ""
    bar = ProgressBar("Export", "enregistrements", PROGRESS_FROM)
    bar(PROGRESS_FROM // 2, PROGRESS_FROM)
    bar.close()
    assert stream.getvalue().startswith("\rExport [###")
    assert stream.getvalue().endswith(f"{PROGRESS_FROM // 2}/{PROGRESS_FROM} enregistrements\n")
