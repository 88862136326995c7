"""Held-out style test of issue 13: a town hall of Dordogne needs 500 visors within 10 days.

Real places of the 2019 census (their names and coordinates, read from ../shared/data) run
real nodes on loopback: a fablab next door that can make 1,000 in 5 days, one that can make
only 200, one too slow, one at the other end of France, and offers that must not be proposed
(expired, unrelated). The network's node holds them all and answers the match; a node two
hops from the town hall, polling off, shows the urgent need in its banner by push alone.
"""

from __future__ import annotations

import csv
import datetime
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, ClientTimeout

from node.appkeys import KEY, WRITER
from node.federation.push_hub import PUSHER
from tests.support.push import Peer, until

CENSUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "cget-tiers-lieux-2019.csv"
pytestmark = pytest.mark.skipif(not CENSUS.exists(), reason="census file absent (../shared/data)")


def census_place(name: str, town: str) -> dict[str, Any]:
    with CENSUS.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["NOM_TL"].strip() == name and row["NOMCOM"] == town:
                return {
                    "name": row["NOM_TL"].strip(),
                    "address": {"city": row["NOMCOM"], "postcode": row["CP"]},
                    "department": row["INSEEDEP"],
                    "region": row["INSEEREG"],
                    "geo": {"lat": row["LAT"], "lon": row["LONG"]},
                    "families": ["fablab"],
                }
    raise LookupError(name)


def offer(title: str, limits: dict[str, int], **more: Any) -> dict[str, Any]:
    body = {
        "title": title,
        "description": f"{title} : impression 3D et découpe, pour les collectivités.",
        "category": "production.petite-serie",
        "tags": ["visière", "impression 3D"],
        "conditions": {"pricing": "devis", "limits": limits},
        **more,
    }
    return body


def day(offset: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


VISORS = "Visières de protection"
URGENT_NEED = {
    "title": "500 visières de protection sous 10 jours",
    "description": "Pour les agents d'accueil de la mairie, des écoles et des EHPAD.",
    "category": "production.petite-serie",
    "tags": ["visière", "protection"],
    "quantity": 500,
    "unit": "pièces",
    "urgency": "critique",
    "area": {"departments": ["24"]},
}
ORDINARY_NEED = {
    "title": "Tables de pique-nique pour le parc",
    "description": "Deux tables en bois pour le printemps.",
    "category": "production.petite-serie",
    "quantity": 2,
    "unit": "tables",
    "urgency": "normale",
}
DEADLINE = 10.0  # seconds for the urgent need to show two hops away, by push alone


async def get_json(session: ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with session.get(url, params=params) as response:
        return response.status, await response.json()


async def banner_of(session: ClientSession, url: str) -> str:
    async with session.get(url + "/") as response:
        page = await response.text()
    start = page.find('<section class="urgent"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


async def test_500_visors_within_10_days_in_dordogne(tmp_path: Path) -> None:
    places = {
        # next door (Marsac-sur-l'Isle, 5 km): 1,000 in 5 days; also an expired, bigger offer
        "marsac": census_place("Mars'Hack Lab", "Marsac-sur-l'Isle"),
        # 20 km away: only 200
        "lempzours": census_place("Le lieu du Faire", "Lempzours"),
        # 40 km away: enough, but 20 days
        "bergerac": census_place("CELA", "Bergerac"),
        # 600 km away: enough and in time
        "roubaix": census_place("FabLab Lille", "Roubaix"),
        # in Périgueux itself, but coworking only: unrelated
        "escale": census_place("L'Escale Numérique", "Périgueux"),
    }
    offers = {
        "marsac": [
            ("visieres", offer(VISORS, {"max_quantity": 1000, "lead_time_days": 4,
                                        "notice_days": 1}, valid_until=day(90))),
            ("visieres-2020", offer("Visières (campagne 2020)", {"max_quantity": 5000},
                                    valid_until=day(-1))),
        ],
        "lempzours": [("visieres", offer(VISORS, {"max_quantity": 200, "lead_time_days": 3}))],
        "bergerac": [("visieres", offer(VISORS, {"max_quantity": 2000, "lead_time_days": 20}))],
        "roubaix": [("visieres", offer(VISORS, {"max_quantity": 3000, "lead_time_days": 2}))],
        "escale": [("postes", {"title": "Postes de coworking à la journée",
                               "category": "accueil.coworking", "tags": ["bureau"]})],
    }  # fmt: skip
    mairie = Peer(tmp_path, "mairie")
    nodes = {name: Peer(tmp_path, name) for name in places}
    reseau = Peer(tmp_path, "reseau")  # the Périgord network's node: follows them all
    voisin = Peer(tmp_path, "voisin")  # follows the network only: two hops from the town hall
    everyone = [mairie, *nodes.values(), reseau, voisin]
    try:
        mairie.put(col="profile", rid="profile", body={
            "name": "Mairie de Périgueux", "address": {"city": "Périgueux", "postcode": "24000"},
            "department": "24", "region": "75", "geo": {"lat": "45.1846", "lon": "0.7214"},
        })  # fmt: skip
        for name, peer in nodes.items():
            peer.put(col="profile", rid="profile", body=places[name])
            for rid, body in offers[name]:
                peer.put(col="offer", rid=rid, body=body)
        for peer in (mairie, *nodes.values()):
            reseau.follow(peer)
            reseau.copy_feed_of(peer)
            voisin.copy_feed_of(peer)
        reseau.put(col="profile", rid="profile", body={
            "name": "Réseau des tiers-lieux du Périgord", "families": ["reseau"],
            "department": "24",
        })  # fmt: skip
        voisin.follow(reseau)
        voisin.copy_feed_of(reseau)
        # eight nodes in one process: each one's index thread is its own, not a worker of
        # the loop's executor (node.tasks.in_own_thread), or the sixth would never start
        apps = {id(peer): await peer.start() for peer in everyone}
        # the subscriptions are in place: the network at the town hall, the neighbour at
        # the network (for the town hall's feed too, which it wants through the network)
        await until(lambda: apps[id(mairie)][PUSHER].callbacks(mairie.did), timeout=10)
        await until(lambda: apps[id(reseau)][PUSHER].callbacks(mairie.did), timeout=10)

        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            assert await banner_of(session, voisin.url) == ""
            started = time.monotonic()
            await apps[id(mairie)][WRITER].append_own(
                apps[id(mairie)][KEY], col="need", rid="visieres", op="put",
                body={**URGENT_NEED, "due_date": day(10)},
            )  # fmt: skip
            await until(
                lambda: voisin.store.record(mairie.did, "need", "visieres") is not None,
                timeout=DEADLINE,
                what="the need held two hops away",
            )

            async def shown() -> bool:
                return "500 visières" in await banner_of(session, voisin.url)

            await until(shown, timeout=DEADLINE, step=0.05, what="the urgent banner two hops away")
            print(f"banner two hops away after {time.monotonic() - started:.2f} s")
            banner = await banner_of(session, voisin.url)
            assert f'href="/lieux/{mairie.did}/need/visieres"' in banner
            assert "Mairie de Périgueux" in banner

            # the matches, on the node that holds every candidate
            for node in (reseau, voisin):
                status, data = await get_json(
                    session, node.url + "/api/match", author=mairie.did, rid="visieres"
                )
                assert status == 200, data
                check_matches(data["matches"], nodes)

            # an ordinary need reaches the neighbour, with no banner
            await apps[id(mairie)][WRITER].append_own(
                apps[id(mairie)][KEY], col="need", rid="tables", op="put",
                body={**ORDINARY_NEED, "due_date": day(60)},
            )  # fmt: skip
            await until(
                lambda: voisin.store.record(mairie.did, "need", "tables") is not None,
                timeout=DEADLINE,
                what="the ordinary need held two hops away",
            )
            banner = await banner_of(session, voisin.url)
            assert "500 visières" in banner and "pique-nique" not in banner
    finally:
        for peer in reversed(everyone):
            await peer.close()


def check_matches(matches: list[dict[str, Any]], nodes: dict[str, Peer]) -> None:
    by_did = {peer.did: name for name, peer in nodes.items()}
    order = [(by_did.get(m["author"], m["author"]), m["rid"]) for m in matches]
    # next door and able first; then, in time, the far one that covers it all and the near
    # one that covers part; the one too slow after every offer in time (docs/matching.md)
    assert order == [
        ("marsac", "visieres"),
        ("roubaix", "visieres"),
        ("lempzours", "visieres"),
        ("bergerac", "visieres"),
    ], order
    assert ("marsac", "visieres-2020") not in order  # expired
    assert all(name != "escale" for name, _ in order)  # unrelated
    first = matches[0]
    assert first["covers"] is True and first["in_time"] is True
    assert first["distance_km"] < 10
    reasons = " | ".join(first["reasons"])
    assert "même catégorie : Petite série sur mesure" in reasons
    assert "jusqu'à 1\u202f000 pièces (besoin : 500)" in reasons
    assert "délai 5 jours, avant l'échéance du" in reasons
    by_name = {by_did.get(m["author"]): m for m in matches if m["rid"] == "visieres"}
    assert by_name["lempzours"]["covers"] is False
    assert "ne couvre que 200 pièces sur 500" in by_name["lempzours"]["reasons"]
    assert by_name["bergerac"]["in_time"] is False
    assert any("trop tard" in r for r in by_name["bergerac"]["reasons"])
    assert by_name["roubaix"]["distance_km"] > 400
    assert all(m["reasons"] and m["distance_km"] is not None for m in matches)
