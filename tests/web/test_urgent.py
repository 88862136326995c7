"""The « Besoins urgents » banner of the search page and the per-node urgent Atom feed."""

from __future__ import annotations

import datetime
import re
from typing import Any

import feedparser
import pytest
from aiohttp.test_utils import TestClient

from node.appkeys import KEY, WRITER
from node.home import Node
from node.store.database import Store
from node.web import urgent
from search.searching import hit_url
from tests.support.pages import PROFILE
from tests.support.samples import chain, key

TODAY = datetime.date.today()


def day(offset: int) -> str:
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def need(title: str, urgency: str, due: int, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "category": "production.petite-serie",
        "quantity": 500,
        "unit": "pièces",
        "due_date": day(due),
        "urgency": urgency,
        **extra,
    }


NEEDS = [
    ("visieres", need("Visières pour l'EHPAD", "critique", 9)),
    ("masques", need("Masques en tissu", "haute", 2)),
    ("blouses", need("Blouses lavables", "critique", 4)),
    ("chaises", need("Chaises pour la salle", "normale", 1)),
    ("passe", need("Gel hydroalcoolique", "critique", -1)),  # due yesterday
    ("fini", need("Gants", "haute", 5, valid_until=day(-2))),
]


async def publish(client: TestClient, col: str, rid: str, body: dict[str, Any]) -> None:
    app = client.server.app
    await app[WRITER].append_own(app[KEY], col=col, rid=rid, body=body)


async def publish_all(client: TestClient) -> None:
    """The node's profile and :data:`NEEDS`."""
    await publish(client, "profile", "profile", PROFILE)
    for rid, body in NEEDS:
        await publish(client, "need", rid, body)


def banner(page: str) -> str:
    found = re.search(r'<section class="urgent".*?</section>', page, re.S)
    return found.group(0) if found else ""


async def test_the_banner_shows_urgent_needs_most_urgent_and_soonest_first(
    client: TestClient, node: Node
) -> None:
    await publish_all(client)
    neighbour = chain(
        key("un voisin"),
        [
            ("profile", "profile", {"name": "Atelier voisin", "address": {"city": "Nontron"}}),
            ("need", "v", need("Visières en urgence", "critique", 7)),
        ],
    )
    await client.server.app[WRITER].append(neighbour)  # a copy held: shown as well
    page = await (await client.get("/")).text()
    assert '<link rel="alternate" type="application/atom+xml" href="/besoins-urgents.atom"' in page
    region = banner(page)
    assert '<section class="urgent" aria-labelledby="besoins-urgents">' in region
    assert '<h2 id="besoins-urgents">Besoins urgents</h2>' in region
    titles = re.findall(r'<a href="([^"]+)">([^<]+)</a>', region)
    did, other = node.key.did, neighbour[0].author
    assert titles[:4] == [
        (hit_url(did, "need", "blouses"), "Blouses lavables"),
        (hit_url(other, "need", "v"), "Visières en urgence"),
        (hit_url(did, "need", "visieres"), "Visières pour l&#39;EHPAD"),
        (hit_url(did, "need", "masques"), "Masques en tissu"),
    ]
    assert titles[4][0] == "/?col=need"
    for absent in ("Chaises", "Gel", "Gants"):  # ordinary urgency, or past its day
        assert absent not in region
    assert "Critique" in region and "Haute" in region
    assert "Fablab de Périgueux, Périgueux" in region and "Atelier voisin, Nontron" in region
    assert "500 pièces" in region
    assert urgent.before(day(4), TODAY) in region
    assert re.fullmatch(r"avant le (1er|\d+) \w+( \d{4})?", urgent.before(day(4), TODAY))


async def test_the_banner_shows_on_a_search_with_a_bad_parameter_too(client: TestClient) -> None:
    await publish(client, "need", "visieres", need("Visières", "critique", 3))
    response = await client.get("/?page=zéro")
    assert response.status == 400
    assert "Visières" in banner(await response.text())


def test_a_due_date_reads_in_french() -> None:
    today = datetime.date(2026, 12, 2)
    assert urgent.before("2026-12-11", today) == "avant le 11 décembre"
    assert urgent.before("2027-01-01", today) == "avant le 1er janvier 2027"
    assert urgent.before("bientôt", today) == urgent.before(None, today) == ""


async def test_at_most_five_are_shown_with_a_link_to_every_need(client: TestClient) -> None:
    for i in range(7):
        await publish(client, "need", f"n{i}", need(f"Besoin numéro {i}", "haute", i + 1))
    region = banner(await (await client.get("/?q=besoin")).text())
    assert region.count("<li>") == urgent.SHOWN
    assert "Besoin numéro 0" in region and "Besoin numéro 5" not in region
    assert '<a href="/?col=need">Voir les 7 besoins urgents parmi tous les besoins</a>' in region


async def test_no_banner_without_an_urgent_need(client: TestClient) -> None:
    await publish(client, "need", "chaises", need("Chaises", "normale", 3))
    await publish(client, "need", "passe", need("Gel", "critique", -1))
    page = await (await client.get("/")).text()
    assert 'class="urgent"' not in page and "Besoins urgents</h2>" not in page


async def test_the_list_is_read_once_per_generation(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = []
    real = Store.needs_of_urgency

    def counted(self: Store, levels: Any) -> Any:
        reads.append(levels)
        return real(self, levels)

    monkeypatch.setattr(Store, "needs_of_urgency", counted)
    await publish(client, "need", "visieres", need("Visières", "critique", 3))
    for query in ("", "?q=laser", "?q=visieres", "?col=need", "?q=laser"):
        assert (await client.get("/" + query)).status == 200
    assert (await client.get("/besoins-urgents.atom")).status == 200
    assert len(reads) == 1
    await publish(client, "need", "masques", need("Masques", "haute", 3))
    assert "Masques" in banner(await (await client.get("/")).text())
    assert len(reads) == 2


async def test_the_urgent_feed_lists_every_urgent_need_newest_first(
    client: TestClient, node: Node
) -> None:
    await publish_all(client)
    response = await client.get("/besoins-urgents.atom")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(await response.read())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title.startswith("Besoins urgents")
    links = [entry.link for entry in feed.entries]
    base = str(client.make_url("")).rstrip("/")
    did = node.key.did
    # stored in the same second: newest first, then by rid
    assert sorted(links) == sorted(
        base + hit_url(did, "need", rid) for rid in ("visieres", "masques", "blouses")
    )
    entry = next(e for e in feed.entries if e.link.endswith("/blouses"))
    assert entry.title == "Critique : Blouses lavables"
    for part in ("Fablab de Périgueux", "Périgueux", "Quantité : 500 pièces", "Urgence : Critique"):
        assert part in entry.summary
    due = datetime.date.fromisoformat(day(4))
    assert f"Pour le {due.day if due.day > 1 else '1er'} " in entry.summary
