"""The search page, API and Atom hide expired records unless « inclure les expirés »; the
« Besoins » tab lists needs by due date, each card with its quantity, due date, urgency."""

from __future__ import annotations

import html

from aiohttp.test_utils import TestClient

from node.home import Node
from protocol.keys import SigningKey
from tests.support.polling import until

PLACE = {"name": "Atelier du Bourg", "address": {"city": "Nontron"}, "department": "24"}
#: The pages' day is the request's: dates far on either side of any day a test runs on.
RECORDS = [
    ("offer", "old", {"title": "Visières anciennes", "valid_until": "2001-01-31"}),
    ("offer", "current", {"title": "Visières courantes", "valid_until": "2999-01-31"}),
    ("need", "past", {"title": "Visières passées", "due_date": "2001-02-01"}),
    (
        "need",
        "soon",
        {
            "title": "Visières pressées",
            "due_date": "2998-03-01",
            "quantity": 500,
            "unit": "pièces",
            "urgency": "haute",
        },
    ),
    ("need", "later", {"title": "Visières tardives", "due_date": "2999-06-01"}),
    ("need", "open", {"title": "Visières sans date"}),
]


def cards(page: str) -> list[str]:
    return [html.unescape(card) for card in page.split('<article class="card">')[1:]]


async def fill(client: TestClient, node: Node) -> None:
    key = SigningKey.generate()
    node.store.append_own(key, col="profile", rid="profile", body=PLACE)
    for col, rid, body in RECORDS:
        full = {"category": "production.petite-serie", **body}
        node.store.append_own(key, col=col, rid=rid, body=full)

    async def indexed() -> bool:
        answer = await client.get("/api/search", params={"q": "visières", "expired": "1"})
        return (await answer.json())["total"] == len(RECORDS)

    await until(indexed, what="records indexed")


async def test_expired_hidden_unless_asked(client: TestClient, node: Node) -> None:
    await fill(client, node)
    api = await (await client.get("/api/search", params={"q": "visières"})).json()
    assert {hit["rid"] for hit in api["results"]} == {"current", "soon", "later", "open"}
    page = await (await client.get("/", params={"q": "visières"})).text()
    assert 'name="expired" type="checkbox" value="1">' in page
    assert "inclure les expirés" in page
    assert len(cards(page)) == 4 and not any("expiré</span>" in c for c in cards(page))
    shown = await (await client.get("/", params={"q": "visières", "expired": "1"})).text()
    assert 'value="1" checked' in shown
    marked = [c for c in cards(shown) if "expiré</span>" in c]
    assert len(marked) == 2 and all("anciennes" in c or "passées" in c for c in marked)
    assert "/search.atom?q=visi%C3%A8res&amp;expired=1" in shown  # links keep it
    atom = await (await client.get("/search.atom", params={"q": "visières"})).text()
    assert "Visières anciennes" not in atom and "Visières courantes" in atom
    bad = await client.get("/api/search", params={"expired": "oui"})
    assert bad.status == 400 and "expired" in (await bad.json())["message"]


async def test_the_needs_tab_lists_them_by_due_date(client: TestClient, node: Node) -> None:
    await fill(client, node)
    home = await (await client.get("/", params={"q": "visières"})).text()
    tab = html.unescape(home).split('aria-label="Que lister"')[1].split("</nav>")[0]
    assert "Besoins" in tab and "col=need" in tab and "sort=due" in tab
    page = await (await client.get("/", params={"col": "need", "sort": "due"})).text()
    titles = [c.split("</a></h3>")[0].rsplit(">", 1)[1] for c in cards(page)]
    assert titles == ["Visières pressées", "Visières tardives", "Visières sans date"]
    first = cards(page)[0]
    assert "Quantité : 500 pièces" in first and "Échéance : 1er mars 2998" in first
    assert "Urgence : haute" in first
    assert 'aria-current="page" class="on">Besoins' in page
    assert '<option value="due" selected>' in page
