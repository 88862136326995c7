"""The JSON-LD export (``maillage export --format jsonld``) against the schema.org 12.0
vocabulary (:mod:`tests.support.schemaorg`): no domain or range error, on the node of
tests/io/test_export.py (own place, a neighbour, a feed without a profile, hostile text, a
withheld body, a fork) plus a follow and census listings; a did is an identifier, never a
name."""

from __future__ import annotations

import json
from pathlib import Path

from node.home import create_home, open_home
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019
from node.io.export import gather
from node.io.export_jsonld import jsonld_document
from tests.clients.schemaorg import NETWORK_NODE, build
from tests.conftest import shared_path
from tests.display.test_schemaorg_pages import CENSUS
from tests.io.test_export import BASE, export
from tests.io.test_export import node as node  # the fixture
from tests.support import schemaorg
from tests.support.samples import chain, key


def test_the_jsonld_export_has_no_schema_org_error(node, tmp_path: Path, capsys):
    with create_home(tmp_path / "suiveur", name="Suiveur") as other:
        node.store.append(chain(other.key, [("follow", node.key.did, {"url": BASE})]))
    node.store.append_own(node.key, col="follow", rid=key("voisin").did, body={"url": BASE})
    census = tmp_path / "recensement.csv"
    census.write_text(CENSUS, "utf-8")
    assert import_file(node, census, CGET_2019).created == 2
    data, _ = export(capsys, node, tmp_path, "--format", "jsonld")
    document = json.loads(data)
    problems = schemaorg.check(document, "export")
    assert not problems, schemaorg.report(problems)
    graph = document["@graph"]
    dids = {key(label).did for label in ("voisin", "sans-profil")} | {node.key.did}
    for item in graph:  # a did is an identifier (or in a URL), never a name
        assert item.get("name") not in dids
        for party in (item.get("offeredBy"), item.get("agent"), item.get("followee")):
            assert party is None or party.get("name") not in dids
    follows = [n for n in graph if n["@type"] == "FollowAction"]
    assert {f["followee"]["identifier"]["value"] for f in follows} == {
        node.key.did,
        key("voisin").did,
    }
    listings = [n for n in graph if "/listing/" in n["@id"]]
    assert len(listings) == 2 and all("identifier" not in n for n in listings)


def test_the_census_node_exports_without_schema_org_error(tmp_path: Path):
    """The 1,512 census places and the demo places, as python -m tests.clients.schemaorg
    builds them (which also checks every page): the whole export."""
    shared_path("data", "cget-tiers-lieux-2019.csv")
    build(tmp_path)
    with open_home(tmp_path / "reseau") as opened:
        document = jsonld_document(gather(opened.store, None, NETWORK_NODE))
    assert len(document["@graph"]) > 1512
    problems = schemaorg.check(document, "export")
    assert not problems, schemaorg.report(problems)
