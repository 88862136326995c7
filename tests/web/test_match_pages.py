"""A need's page shows who may serve it, an offer's page the needs it could serve, and the
need's Atom feed (``/lieux/{did}/need/{rid}/propositions.atom``) parses in feedparser."""

from __future__ import annotations

import re

import feedparser
import pytest

from node.home import Node
from tests.support import match_corpus as corpus


@pytest.fixture
async def served(node: Node, monkeypatch):
    client, keys = await corpus.serve_case(node, monkeypatch)
    yield client, keys
    await client.close()


async def test_a_needs_page_lists_its_candidates_with_reasons_and_links(served):
    client, keys = served
    did = keys["mairie"].did
    response = await client.get(f"/lieux/{did}/need/visieres")
    assert response.status == 200
    page = await response.text()
    assert '<h2 id="propositions">Qui peut répondre à ce besoin</h2>' in page
    feed = f"/lieux/{did}/need/visieres/propositions.atom"
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in page
    assert f'href="{feed}"' in page and "/api/match?author=did%3Akey%3A" in page
    section = page.split('id="propositions"')[1].split("</section>")[0]
    links = re.findall(r'<li>\s*<p><a href="([^"]+)">', section)
    expected = [f"/lieux/{keys[p].did}/{'offer/' + r if r != 'profile' else ''}".rstrip("/")
                for p, r in corpus.EXPECTED]  # fmt: skip
    assert links == expected
    assert "jusqu&#39;à 1\u202f000 pièces (besoin : 500)" in section
    assert "Répond aux appels" in section
    assert "soit 571 visières d&#39;ici l&#39;échéance (besoin : 500)" in section  # 10 days left


async def test_an_offers_page_lists_the_open_needs_it_could_serve(served):
    client, keys = served
    page = await (await client.get(f"/lieux/{keys['proche'].did}/offer/visieres")).text()
    section = page.split('id="besoins-servis"')[1].split("</section>")[0]
    assert f'href="/lieux/{keys["mairie"].did}/need/visieres"' in section
    assert "Urgence : Critique" in section and "Pour le 11 décembre 2026" in section
    other = await (await client.get(f"/lieux/{keys['nontron'].did}/offer/cuisine")).text()
    assert "Aucun besoin ouvert connu de ce nœud" in other


async def test_the_needs_feed_holds_the_need_then_its_candidates(served):
    client, keys = served
    did = keys["mairie"].did
    response = await client.get(f"/lieux/{did}/need/visieres/propositions.atom")
    assert response.status == 200 and response.content_type == "application/atom+xml"
    parsed = feedparser.parse(await response.read())
    assert not parsed.bozo, parsed.bozo_exception
    titles = [entry.title for entry in parsed.entries]
    assert titles[0] == f"Besoin : {corpus.NEED['title']}"
    assert (
        titles[1]
        == "Proposition 1 : Visières de protection en petite série (Fablab de Boulazac, Boulazac)"
    )
    assert len(titles) == 1 + len(corpus.EXPECTED)
    assert "délai 5 jours, avant l'échéance du 11 décembre" in parsed.entries[1].summary
    assert parsed.feed.title == f"Propositions pour le besoin « {corpus.NEED['title']} »"


async def test_an_unknown_needs_feed_is_a_404(served):
    client, keys = served
    response = await client.get(f"/lieux/{keys['proche'].did}/need/visieres/propositions.atom")
    assert response.status == 404
