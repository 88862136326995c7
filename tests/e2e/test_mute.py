"""A mute hides a place from one node only, everywhere that node shows or serves it, and
an unmute brings everything back (nothing was deleted). Real nodes on loopback: A publishes,
B and C both follow it, B mutes A from the command line while it serves."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from node.appkeys import HIDDEN, SEARCH
from node.federation import peers
from node.federation.hiding import refresh
from tests.support.hiding import TIMEOUT, found, get, place, profile
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER


async def test_a_mute_hides_a_place_from_its_node_only_and_unmute_brings_it_back(
    tmp_path: Path,
) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    c = await LiveNode(tmp_path, "C").start()
    try:
        await place(a, "tournage")
        await a.put("besoin", {**OFFER, "title": "Besoin de tournage", "urgency": "haute"}, "need")
        for node in (b, c):
            assert (await cli("follow", "--home", node.home, a.url))[0] == 0
            await until(lambda n=node: n.seq_of(a.did) == 3, what="A copied")
            await until(lambda n=node: found(n, "tournage"), what="A indexed")
        assert (await get(b, f"/lieux/{a.did}"))[0] == 200
        assert (await get(b, f"/api/match?author={a.did}&rid=besoin"))[0] == 200
        status, text = await get(b, "/besoins-urgents.atom")
        assert "tournage" in text
        own = b.seq_of(b.did)
        status, out, _ = await cli("mute", "--home", b.home, a.did, "--reason", "pourriel")
        assert status == 0 and "lieu masqué" in out and "Lieu tournage" in out
        await until(lambda: b.app[HIDDEN].hides(a.did), what="the mute seen")

        # gone from B: search, facets, totals, pages, feeds of the place, stats, map…
        status, body = await get(b, "/api/search?q=tournage")
        assert status == 200 and body["total"] == 0
        status, body = await get(b, "/api/search")
        assert body["total"] == 0 and not any(body["facets"].values())
        assert (await get(b, f"/lieux/{a.did}"))[0] == 410
        status, text = await get(b, f"/lieux/{a.did}/offer/offre-tournage")
        assert status == 410 and "masqué par ce nœud" in text
        assert (await get(b, f"/lieux/{a.did}.atom"))[0] == 410
        assert (await get(b, f"/api/match?author={a.did}&rid=besoin"))[0] == 404
        status, body = await get(b, "/api/stats")
        assert body["places"] == 0 and body["offers"] == 0
        assert body["covers"]["feeds"] == 1  # B's own feed: A's, held still, is not counted
        status, body = await get(b, "/api/places.geojson")
        assert body["features"] == []
        status, text = await get(b, "/besoins-urgents.atom")
        assert "tournage" not in text
        status, text = await get(b, "/sitemap-lieux-1.xml")
        assert a.did not in text
        status, text = await get(b, "/")
        assert "tournage" not in text
        # not served onward, nor fetched again
        status, body = await get(b, "/feeds")
        assert a.did not in {f["did"] for f in body}
        assert (await get(b, f"/feeds/{a.did}/entries"))[0] == 404
        assert (await get(b, f"/feeds/{a.did}/head"))[0] == 404
        assert a.did not in peers.wanted_feeds(b.store, b.did, b.settings.max_hops)
        await a.put("offre-2", {**OFFER, "title": "Atelier fraisage"})
        report = await b.sync()
        assert a.url not in report.polled and b.seq_of(a.did) == 3
        # C, which holds the same feed, still shows it; nothing was published by B
        assert await found(c, "tournage") == 3  # its profile, offer and need
        assert (await get(c, f"/lieux/{a.did}"))[0] == 200
        assert b.seq_of(b.did) == own  # B's own log: nothing written

        status, out, _ = await cli("mutes", "--home", b.home)
        assert status == 0 and a.did in out and "pourriel" in out and "opérateur" in out

        status, out, _ = await cli("unmute", "--home", b.home, a.did)
        assert status == 0 and "de nouveau visible" in out
        await until(lambda: found(b, "tournage"), what="A back in B's search")
        assert (await get(b, f"/lieux/{a.did}"))[0] == 200
        await b.sync()
        assert b.seq_of(a.did) == 4  # fetched again
        await until(lambda: found(b, "fraisage"), what="the new offer indexed")
        status, body = await get(b, "/feeds")
        assert a.did in {f["did"] for f in body}
    finally:
        for node in (c, b, a):
            await node.stop()


async def test_pushes_of_a_muted_feed_are_refused(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        await place(a, "soudure")
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        await until(lambda: b.seq_of(a.did) == 2, what="A copied")
        assert (await cli("mute", "--home", b.home, a.did))[0] == 0
        assert await refresh(b.app) or b.app[HIDDEN].hides(a.did)
        await a.put("offre-2", {**OFFER, "title": "Atelier tôlerie"})
        line = a.store.line(a.did, 3)
        assert line is not None
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.post(
                b.url + "/inbox",
                data=line + b"\n",
                headers={"Content-Type": "application/x-ndjson"},
            ) as response,
        ):
            assert response.status == 403
            assert (await response.json())["error"] == "feed-not-held"
        assert b.seq_of(a.did) == 2
    finally:
        await b.stop()
        await a.stop()


async def test_a_listing_claimed_by_a_muted_place_is_hidden_with_it(tmp_path: Path) -> None:
    """B's census listing of A, claimed by A's own profile (same website): muting A hides
    both, the listing staying claimed (not shown in A's place instead)."""
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        site = "https://tournage.example"
        await a.put("profile", {**profile("Lieu tournage"), "website": site}, col="profile")
        listing = {**profile("Atelier du tournage"), "website": site}
        await b.put("tournage", {**listing, "provenance": {"source": "recensement"}}, "listing")
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0

        async def claimed() -> bool:
            _, body = await get(b, "/api/search?col=listing")
            return body["total"] == 0  # claimed by A's profile, once it is indexed

        claims = b.app[SEARCH].claimants
        await until(lambda: claims(b.did).get("tournage"), what="the listing claimed by A")
        assert claims(b.did)["tournage"][0] == a.did and await claimed()
        page = f"/lieux/{b.did}/listing/tournage"
        assert (await get(b, page))[0] == 200
        assert (await cli("mute", "--home", b.home, a.did))[0] == 0
        await refresh(b.app)
        assert (await get(b, page))[0] == 410
        assert await found(b, "tournage") == 0
        assert await claimed()  # still claimed: not shown in A's place instead
    finally:
        await b.stop()
        await a.stop()
