"""Endorsements, local networks and the trust distance on real nodes on loopback.

R is a network (its profile's family ``reseau``): it follows and endorses M1 and M2; M2
follows X. V follows R and endorses M1 (no URL: M1's feed comes from R). E follows R and
endorses M1 with ``max_hops = 1``: the endorsement alone brings M1's feed, not M2's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.appkeys import WRITER
from tests.support import schemaorg
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER

TIMEOUT = aiohttp.ClientTimeout(total=20)


async def get(node: LiveNode, path: str, **query: str) -> Any:
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.get(node.url + path, params=query) as answer,
    ):
        assert answer.status == 200, await answer.text()
        if answer.content_type.endswith("json"):
            return await answer.json()
        return await answer.text()


async def publish(node: LiveNode, name: str, families: list[str] | None = None) -> None:
    profile: dict[str, Any] = {
        "name": name,
        "address": {"city": f"Ville de {name}"},
        "geo": {"lat": "45.1846", "lon": "0.7214"},
    }
    if families:
        profile["families"] = families
    await node.put("profile", profile, col="profile")
    await node.put("laser", {**OFFER, "title": f"Découpe laser chez {name}"})


async def follow(follower: LiveNode, *others: LiveNode) -> None:
    for other in others:
        assert (await cli("follow", "--home", follower.home, other.url))[0] == 0


async def endorse(endorser: LiveNode, *others: LiveNode, scope: str | None = None) -> None:
    for other in others:
        extra = ["--scope", scope] if scope else []
        args = ("endorse", "--home", endorser.home, other.did, "--note", "Partenaire", *extra)
        status, out, err = await cli(*args)
        assert status == 0, err
        assert "vous recommandez" in out


@pytest.fixture
async def net(tmp_path: Path):
    nodes = {n: LiveNode(tmp_path, n) for n in ("R", "M1", "M2", "X", "V")}
    nodes["E"] = LiveNode(tmp_path, "E", max_hops=1)
    for node in nodes.values():
        await node.start()
    yield nodes
    for node in nodes.values():
        await node.stop()


async def caught_up(*nodes: LiveNode) -> None:
    """The records written by the command line, announced (the serving node's catch-up)."""
    for node in nodes:
        await node.app[WRITER].catch_up()


async def test_endorsements_networks_and_hops(net: dict[str, LiveNode]) -> None:
    r, m1, m2, x, v, e = (net[n] for n in ("R", "M1", "M2", "X", "V", "E"))
    await publish(r, "Réseau du Périgord", ["reseau"])
    for node, name in ((m1, "Fablab Un"), (m2, "Atelier Deux"), (x, "Lieu Trois")):
        await publish(node, name)
    await publish(v, "Visiteur")
    await follow(r, m1, m2)
    await caught_up(r)
    await r.sync()
    await endorse(r, m1, m2, scope="production")
    await follow(m2, x)
    await follow(v, r)
    await endorse(v, m1)
    await follow(e, r)
    await endorse(e, m1)
    await caught_up(r, m2, v, e)
    for node in (m2, r, v, e):  # the network first: V and E copy what R holds
        await node.sync()

    # An endorsement is a signed entry of the endorser's feed, copied like any other.
    record = v.store.record(r.did, "endorse", m1.did)
    assert record is not None and record.body["scopes"] == ["production"]
    assert record.body["name"] == "Fablab Un"  # R held M1's profile when it endorsed it

    # Endorsing replicates, with no URL: E (max_hops 1) holds M1 through R, not M2 (2 hops).
    assert e.seq_of(m1.did) > 0 and e.seq_of(m2.did) == 0
    assert m1.url not in {p for p in _polled(e)}  # E never called M1: it chose R only

    # Every hit carries its hops: V 0, R 1 (followed), M1 1 (endorsed), M2 2, X out of reach
    # (M2's follow of X is 3 hops from V: its feed is not copied with max_hops 2).
    every = await get(v, "/api/search", q="laser", per_page="50")
    hops = {hit["place"]["name"]: hit["hops"] for hit in every["results"]}
    assert hops == {
        "Visiteur": 0,
        "Réseau du Périgord": 1,
        "Fablab Un": 1,
        "Atelier Deux": 2,
    }
    near = await get(v, "/api/search", q="laser", max_hops="1", per_page="50")
    assert {h["place"]["name"] for h in near["results"]} == {
        "Visiteur",
        "Réseau du Périgord",
        "Fablab Un",
    }
    assert near["total"] == 3 and all(h["hops"] <= 1 for h in near["results"])
    alone = await get(v, "/api/search", max_hops="0")
    assert {h["author"] for h in alone["results"]} == {v.did}

    # On equal relevance, this node first, then the endorsed place, then by hops.
    names = [hit["place"]["name"] for hit in every["results"]]
    assert names == ["Visiteur", "Fablab Un", "Réseau du Périgord", "Atelier Deux"]

    # The network filter: its members and itself, on V (which holds R's endorsements).
    members = await get(v, "/api/search", q="laser", reseau=r.did)
    assert {h["author"] for h in members["results"]} == {r.did, m1.did, m2.did}
    page = await get(v, "/", q="laser", reseau=r.did, max_hops="1")
    assert "Réseau : Réseau du Périgord" in page and "Proximité : ce nœud et ceux" in page
    assert "recommandé par ce nœud" in page  # M1's card, on V
    assert '<option value="1" selected>ce nœud et ceux qu&#39;il suit ou recommande' in page
    assert f'<option value="{r.did}" selected>Réseau du Périgord</option>' in page

    # The network's page lists its members and their offers; a member's names its network.
    network = await get(v, f"/lieux/{r.did}")
    assert "Membres du réseau" in network and "2 membres" in network
    assert "Fablab Un" in network and "Découpe laser chez Atelier Deux" in network
    member = await get(v, f"/lieux/{m1.did}")
    assert f'Membre de : <a href="/lieux/{r.did}">Réseau du Périgord</a>' in member
    assert f'Recommandé par : <a href="/lieux/{v.did}">Visiteur</a>' in member
    plain = await get(v, f"/lieux/{x.did}") if v.seq_of(x.did) else ""
    assert "Membre de" not in plain
    # and say it in schema.org: the network's member, the member's memberOf, by did
    assert schemaorg.check_page(network, "réseau") == []
    assert schemaorg.check_page(member, "membre") == []
    (ld,) = schemaorg.scripts(network)
    assert {m["identifier"]["value"] for m in ld["member"]} == {m1.did, m2.did}
    (ld,) = schemaorg.scripts(member)
    assert [n["identifier"]["value"] for n in ld["memberOf"]] == [r.did]

    # Withdrawn: the member's page on V no longer names the network after the next copy.
    status, out, _ = await cli("endorse", "--home", r.home, "--remove", m2.did)
    assert status == 0 and "ne recommandez plus" in out
    await caught_up(r)
    await v.sync()

    async def withdrawn() -> bool:
        return "Membre de" not in await get(v, f"/lieux/{m2.did}")

    await until(withdrawn, timeout=10)

    # The matches of a need and the map carry hops too; the endorsed place says so.
    await v.put("besoin", {"title": "Découpe laser de panneaux", "category": OFFER["category"]},
                col="need")  # fmt: skip
    found = await get(v, "/api/match", author=v.did, rid="besoin")
    by_name = {m["place"]["name"]: m for m in found["matches"]}
    assert by_name["Fablab Un"]["hops"] == 1
    assert "recommandé par ce nœud" in by_name["Fablab Un"]["reasons"]
    assert "à 2 relais" in by_name["Atelier Deux"]["reasons"]
    geo = await get(v, "/api/places.geojson", q="laser", max_hops="1")
    assert sorted(f["properties"]["hops"] for f in geo["features"]) == [0, 0, 1, 1]  # the need

    # The dashboard's network counts the endorsed members: E follows R and endorses M1.
    stats = await get(e, "/api/stats", reseau=e.did)
    assert stats["places"] == 2  # R (followed) and M1 (endorsed only); E has no profile
    members = await get(v, "/api/search", q="laser", reseau=r.did)
    assert {h["author"] for h in members["results"]} == {r.did, m1.did, m2.did}  # R follows M2


def _polled(node: LiveNode) -> set[str]:
    from node.federation import peers

    return set(peers.peers(node.store))
