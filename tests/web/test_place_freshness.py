"""A place's page says when the place last published, and when its own node is silent.

The brief: directories go stale; entries carry a validity date, and a place whose node is
silent shows it. The copy a neighbour serves stays readable, with a word of warning.
"""

from __future__ import annotations

import datetime

from node.federation import peers
from node.federation.peers import SILENT_AFTER_FAILURES
from node.home import Node
from node.web.place_pages import QUIET_DAYS, freshness
from protocol.keys import SigningKey
from tests.support.http_servers import serve

PROFILE = {"name": "Atelier du Bourg", "address": {"city": "Nontron"}}
URL = "https://atelier-du-bourg.example"
TODAY = datetime.date(2026, 11, 27)


def test_the_date_of_the_last_publication(node: Node) -> None:
    place = SigningKey.generate()
    node.store.append_own(
        place, col="profile", rid="profile", body=PROFILE, ts="2026-03-01T09:00:00Z"
    )
    fresh = freshness(node.store, place.did, node.key.did, today=TODAY)
    assert fresh == {
        "published": "1er mars 2026",
        "quiet": False,
        "silent": None,
        "inactive": False,
    }
    old = SigningKey.generate()
    node.store.append_own(
        old, col="profile", rid="profile", body=PROFILE, ts="2025-06-30T09:00:00Z"
    )
    assert TODAY - datetime.date(2025, 6, 30) > datetime.timedelta(days=QUIET_DAYS)
    assert freshness(node.store, old.did, node.key.did, today=TODAY)["quiet"]


def test_a_node_silent_for_several_polls_is_said_so(node: Node) -> None:
    place = SigningKey.generate()
    node.store.append_own(place, col="profile", rid="profile", body=PROFILE)
    peers.record_success(node.store, URL, 300, did=place.did)
    assert freshness(node.store, place.did, node.key.did)["silent"] is None
    for failures in range(1, SILENT_AFTER_FAILURES + 1):
        peers.record_failure(node.store, URL, peers.UNREACHABLE, 300, 3600)
        silent = freshness(node.store, place.did, node.key.did)["silent"]
        # one or two failed polls: a reboot, a short outage; then it is said
        assert (silent is not None) == (failures >= SILENT_AFTER_FAILURES)
    assert silent == freshness(node.store, place.did, node.key.did)["silent"]
    assert silent and silent[0].isdigit()  # « le 27 novembre 2026 »: its last success
    # a peer followed but never polled yet is not silent
    other = SigningKey.generate()
    node.store.append_own(other, col="profile", rid="profile", body=PROFILE)
    peers.remember(node.store, "https://nouveau.example", other.did)
    assert freshness(node.store, other.did, node.key.did)["silent"] is None


async def test_the_place_page_shows_it(node: Node) -> None:
    place = SigningKey.generate()
    node.store.append_own(
        place, col="profile", rid="profile", body=PROFILE, ts="2024-01-15T09:00:00Z"
    )
    for _ in range(SILENT_AFTER_FAILURES):
        peers.record_failure(node.store, URL, peers.UNREACHABLE, 300, 3600)
    peers.remember(node.store, URL, place.did)
    client = await serve(node.settings)
    try:
        html = await (await client.get(f"/lieux/{place.did}")).text()
        assert "Dernière publication de ce lieu : le 15 janvier 2024." in html
        assert "Ce lieu n'a rien publié depuis plus d'un an" in html
        assert "Le nœud de ce lieu ne répond plus :" in html  # never reached: no date
        own = await (await client.get(f"/lieux/{node.key.did}")).text()
        assert "ne répond plus" not in own and "plus d'un an" not in own
    finally:
        await client.close()


async def test_search_results_of_a_silent_place_say_so(node: Node) -> None:
    silent, alive = SigningKey.generate(), SigningKey.generate()
    for key, name in ((silent, "Atelier muet"), (alive, "Atelier vivant")):
        node.store.append_own(key, col="profile", rid="profile", body={**PROFILE, "name": name})
        node.store.append_own(key, col="offer", rid="laser", body={"title": f"Laser {name}"})
    peers.remember(node.store, URL, silent.did)
    for _ in range(SILENT_AFTER_FAILURES):
        peers.record_failure(node.store, URL, peers.UNREACHABLE, 300, 3600)
    assert peers.silent_places(node.store) == {silent.did}
    client = await serve(node.settings)
    try:
        html = await (await client.get("/", params={"q": "laser", "col": "offer"})).text()
        cards = {
            name: card
            for card in html.split('<article class="card">')[1:]
            for name in ("muet", "vivant")
            if f"Laser Atelier {name}" in card
        }
        assert "ne répond plus" in cards["muet"] and "ne répond plus" not in cards["vivant"]
    finally:
        await client.close()
