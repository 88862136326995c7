"""Search on real nodes: a node that follows two others finds their offers after sync, and a
deletion on the author's node leaves every index after the next sync."""

from __future__ import annotations

from pathlib import Path

from node.appkeys import SEARCH, WRITER
from search.model import parse_params
from tests.support.live_nodes import LiveNode, cli
from tests.support.search_corpus import LISTINGS, PLACES


async def _publish(node: LiveNode, place: str) -> None:
    await node.put("profile", PLACES[place], col="profile")
    for owner, col, rid, _, body in LISTINGS:
        if owner == place:
            await node.put(rid, body, col=col)


def _found(node: LiveNode, **query: str) -> set[tuple[str, str]]:
    result = node.app[SEARCH].search(parse_params({"per_page": "100", **query}))
    return {(hit.author, hit.rid) for hit in result.hits}


async def test_a_follower_finds_the_offers_of_two_places_and_loses_deleted_ones(tmp_path: Path):
    a, b, c = (LiveNode(tmp_path, name) for name in ("Perigueux", "Bordeaux", "Carrefour"))
    try:
        for node in (a, b, c):
            await node.start()
        await _publish(a, "perigueux")
        await _publish(b, "bordeaux")
        for source in (a, b):
            assert (await cli("follow", "--home", c.home, source.url))[0] == 0
        await c.app[WRITER].catch_up()  # the follow records written by the command
        await c.sync()
        assert _found(c, q="découpes laser") == {(a.did, "laser")}
        assert _found(c, q="electronique", col="offer") == {(b.did, "arduino"), (b.did, "atelier")}
        assert _found(c, q="couture", col="offer", department="33") == {(b.did, "couture")}
        near = c.app[SEARCH].search(parse_params({"near": "45.18,0.72", "radius_km": "20"}))
        assert {h.author for h in near.hits} == {a.did}
        await a.put("laser", None)  # deleted by its author
        assert _found(a, q="laser") == set()
        await c.sync()
        assert _found(c, q="laser") == set()
        assert _found(c, col="offer", department="24") == {(a.did, "impression")}
    finally:
        for node in (a, b, c):
            await node.stop()
