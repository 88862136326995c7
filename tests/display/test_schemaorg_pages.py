"""schema.org typing of every page kind, checked with pyld and the schema.org 12.0
vocabulary (:mod:`tests.support.schemaorg`), and the canonical link to a place's own node.

One node holds its own place (its profile names the node URL where it is served), offers
and a need, a neighbour's replicated place and offer (served by the neighbour's own node),
a feed without a profile, and two listings imported from a census CSV (no node of their
own: their canonical page is the publisher's).
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from node.appkeys import KEY
from node.home import Node
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from tests.support import schemaorg
from tests.support.pages import OFFERS, PROFILE, FakeIndex, offer_body, serve_with_index
from tests.support.samples import OFFER, chain, key

OWN_NODE = "https://maillage.fablab-perigueux.example.fr"
NEIGHBOUR_NODE = "https://noeud.atelier-nantes.example"
NEIGHBOUR = {
    "name": "Atelier Partagé de Nantes",
    "address": {"city": "Nantes", "postcode": "44000"},
    "geo": {"lat": "47.2184", "lon": "-1.5528"},
    "node_urls": [NEIGHBOUR_NODE + "/", "https://secours.example"],
}
CENSUS = (
    "ID,NOM_TL,ADRESSE,CP,COMINIT,INSEECOM,NOMCOM,WEB,TYPO,LAT,LONG,INSEEREG,INSEEDEP\n"
    "1,ADE Coworking,9 Rue du Petit Châtelier,44300,Nantes,44109,Nantes,"
    "www.ade-coworking.net,Tiers lieux à dominante coworking,47.245935,-1.505602,52,44\n"
    "2,Le Lieu Sans Adresse,,,,,,,Tiers lieux à dominante coworking,,,,\n"
)


class Canonical(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("rel") == "canonical":
            self.links.append(attributes.get("href") or "")


@pytest.fixture
async def site(node: Node, tmp_path: Path):
    me = node.key
    node.store.append_own(
        me, col="profile", rid="profile", body={**PROFILE, "node_urls": [OWN_NODE]}
    )
    for rid, title, category, pricing, price in OFFERS:
        body = offer_body(title, category, pricing, price)
        node.store.append_own(me, col="offer", rid=rid, body=body)
    need = {**offer_body("Fil élastique", "production.textile", "echange", None), "quantity": 200}
    node.store.append_own(me, col="need", rid="fil", body={**need, "unit": "mètres"})
    voisin = key("voisin")
    node.store.append(chain(voisin, [("profile", "profile", NEIGHBOUR), ("offer", "laser", OFFER)]))
    node.store.append(chain(key("sans-profil"), [("offer", "salle", OFFER)]))
    census = tmp_path / "recensement.csv"
    census.write_text(CENSUS, "utf-8")
    assert import_file(node, census, CGET_2019).created == 2
    client = await serve_with_index(node.settings, lambda app: FakeIndex(app[KEY].did))
    yield client
    await client.close()


def listing_rids(node: Node) -> list[str]:
    return sorted(r.rid for r in node.store.records(author=node.key.did, col="listing"))


async def page(site, path: str) -> str:
    response = await site.get(path)
    assert response.status == 200, path
    return await response.text()


async def test_every_page_kind_has_no_schema_org_error(site, node: Node):
    me, voisin, nobody = node.key.did, key("voisin").did, key("sans-profil").did
    paths = [
        f"/lieux/{me}",
        f"/lieux/{me}/offer/laser",
        f"/lieux/{me}/offer/arduino",
        f"/lieux/{me}/need/fil",
        f"/lieux/{voisin}",
        f"/lieux/{voisin}/offer/laser",
        f"/lieux/{nobody}",
        f"/lieux/{nobody}/offer/salle",
        *(f"/lieux/{me}/listing/{rid}" for rid in listing_rids(node)),
        "/?q=",
        "/?q=formation",
    ]
    problems = []
    for path in paths:
        problems += schemaorg.check_page(await page(site, path), path)
    assert not problems, schemaorg.report(problems)


async def test_one_identity_per_place_and_a_canonical_link_to_its_own_node(site, node: Node):
    me, voisin, nobody = node.key.did, key("voisin").did, key("sans-profil").did

    async def read(path: str) -> tuple[list[str], dict]:
        html = await page(site, path)
        [ld] = schemaorg.scripts(html)
        return Canonical(html).links, ld

    links, ld = await read(f"/lieux/{me}")
    assert links == [f"{OWN_NODE}/lieux/{me}"]
    assert ld["identifier"] == {"@type": "PropertyValue", "propertyID": "did", "value": me}
    assert ld["sameAs"] == [f"{OWN_NODE}/lieux/{me}", PROFILE["website"]]
    here = ld["@id"].removesuffix(f"/lieux/{me}")  # this node's own address
    assert here.startswith("http://127.0.0.1:") and ld["url"] == ld["@id"]
    links, ld = await read(f"/lieux/{me}/need/fil")
    assert links == [f"{OWN_NODE}/lieux/{me}/need/fil"] and ld["sameAs"] == links[0]
    assert ld["@reverse"]["seeks"]["identifier"]["value"] == me
    links, ld = await read(f"/lieux/{voisin}")  # a copy: at home on the neighbour's node
    assert links == [f"{NEIGHBOUR_NODE}/lieux/{voisin}"] and ld["sameAs"] == links
    assert ld["@id"] == f"{here}/lieux/{voisin}" and ld["identifier"]["value"] == voisin
    links, ld = await read(f"/lieux/{voisin}/offer/laser")
    assert links == [f"{NEIGHBOUR_NODE}/lieux/{voisin}/offer/laser"]
    assert ld["offeredBy"]["@type"] == "LocalBusiness" and ld["offeredBy"]["identifier"]
    links, ld = await read(f"/lieux/{nobody}")  # no node URL known: this node's own page
    assert links == [f"{here}/lieux/{nobody}"] and "sameAs" not in ld
    assert ld["@type"] == "Organization" and "name" not in ld  # no placeholder as a name
    for rid in listing_rids(node):  # census listings: at home on their publisher's node
        links, ld = await read(f"/lieux/{me}/listing/{rid}")
        assert links == [f"{OWN_NODE}/lieux/{me}/listing/{rid}"]
        assert "identifier" not in ld  # the publisher's did is not the listed place's
        assert ld["sameAs"][0] == links[0]
    links, _ = await read("/?q=formation")
    assert links == []


async def test_each_page_of_a_long_list_of_listings_is_its_own_canonical_page(node, tmp_path):
    header, _ = CENSUS.split("\n", 1)
    rows = [f"{n},Lieu {n},,,,,,,Tiers lieux à dominante coworking,,,," for n in range(1, 52)]
    census = tmp_path / "recensement.csv"
    census.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    assert import_file(node, census, CGET_2019).created == 51
    profile = {"name": "Réseau", "node_urls": [OWN_NODE]}
    node.store.append_own(node.key, col="profile", rid="profile", body=profile)
    site = await serve_with_index(node.settings, lambda app: FakeIndex(app[KEY].did))
    try:
        me = node.key.did
        html = await page(site, f"/lieux/{me}")
        assert Canonical(html).links == [f"{OWN_NODE}/lieux/{me}"]
        html = await page(site, f"/lieux/{me}?page=2")
        assert Canonical(html).links == [f"{OWN_NODE}/lieux/{me}?page=2"]
        assert schemaorg.check_page(html, "page 2") == []
    finally:
        await site.close()
