"""The public pages with a stand-in index: search, places, offers, errors, escaping, CSP."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from node.appkeys import KEY
from node.home import Node
from search.model import Hit, Place
from tests.support.pages import (
    HOSTILE,
    HOSTILE_ATTR,
    OFFERS,
    PROFILE,
    FakeIndex,
    offer_body,
    serve_with_index,
)


class Page(HTMLParser):
    """The parts of a page the tests look at: links, scripts, ld+json blocks, attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.ld: list[dict] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_ld = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "a":
            self.links.append(attributes.get("href") or "")
        if tag == "script":
            self.scripts.append(attributes)
            self._in_ld = attributes.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.ld.append(json.loads(data))


def hostile_hit(did: str) -> Hit:
    body = offer_body(HOSTILE, "production.prototypage", "tarif", "10.00")
    return Hit(
        author=did,
        col="offer",
        rid="hostile",
        title=HOSTILE + HOSTILE_ATTR,
        snippet=f"<mark>x</mark>{HOSTILE}<b>gras</b>",
        place=Place(name=HOSTILE_ATTR, city=HOSTILE, did=did),
        category="production.prototypage",
        url=f"/lieux/{did}/offer/hostile",
        body=body,
    )


@pytest.fixture
async def site(node: Node):
    node.store.append_own(node.key, col="profile", rid="profile", body=PROFILE)
    for rid, title, category, pricing, price in OFFERS:
        body = offer_body(title, category, pricing, price)
        node.store.append_own(node.key, col="offer", rid=rid, body=body)
    need = {**offer_body("Fil élastique", "production.textile", "echange", None), "quantity": 200}
    node.store.append_own(node.key, col="need", rid="fil", body={**need, "unit": "mètres"})
    client = await serve_with_index(
        node.settings, lambda app: FakeIndex(app[KEY].did, extra=[hostile_hit(app[KEY].did)])
    )
    yield client
    await client.close()


def assert_safe(response, html: str) -> Page:
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script-src" not in csp
    page = Page(html)
    assert all(s.get("type") == "application/ld+json" for s in page.scripts)
    assert HOSTILE not in html and "<img" not in html and "<b>" not in html
    for tag, attributes in page.tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        for name in ("href", "src", "action"):
            value = (attributes.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), value
            if name == "src":
                assert not value, "no resource loaded from anywhere"
    assert 'rel="search" type="application/opensearchdescription+xml"' in html
    return page


async def test_search_page_shows_cards_facets_and_json_ld(site):
    response = await site.get("/", params={"q": "laser"})
    html = await response.text()
    assert response.status == 200
    page = assert_safe(response, html)
    assert "1 résultat" in html and "Découpe laser sur bois et acrylique" in html
    assert "Fablab de Périgueux" in html and "Périgueux (24)" in html
    assert "Prototypage" in html and "Tarif fixe · 25,00 € (à l&#39;heure)" in html
    assert "Délai : 10 jours" in html and "Pour : Collectivités, Entreprises" in html
    assert "Valable jusqu&#39;au 30 juin 2030" in html
    assert "<mark>Découpe</mark> &amp; plus" in html
    [ld] = page.ld
    assert ld["@type"] == "ItemList" and ld["itemListElement"][0]["name"].startswith("Découpe")
    facet = next(link for link in page.links if "category=production.prototypage" in link)
    assert parse_qs(urlsplit(facet).query) == {
        "q": ["laser"],
        "category": ["production.prototypage"],
    }
    assert 'href="/search.atom?q=laser"' in html
    assert "À propos de ce nœud" in html and "4 offres, 1 besoin" in html


async def test_pagination_links_keep_the_other_parameters(site):
    response = await site.get("/", params={"category": "production.prototypage", "per_page": "1"})
    html = await response.text()
    assert "2 résultats" in html and "Page 1 sur 2" in html
    nxt = re.search(r'rel="next" href="([^"]+)"', html)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(nxt).query) == {
        "category": ["production.prototypage"],
        "per_page": ["1"],
        "page": ["2"],
    }
    html2 = await (await site.get(nxt)).text()
    assert "Page 2 sur 2" in html2 and 'rel="prev"' in html2 and 'rel="next"' not in html2


async def test_departments_are_chosen_by_name(site):
    html = await (await site.get("/", params={"department": "33"})).text()
    assert '<option value="33" selected>Gironde (33)</option>' in html
    assert '<option value="2A">Corse-du-Sud (2A)</option>' in html
    assert "Département : Gironde (33)" in html  # the active filter, removable
    html = await (await site.get("/", params={"department": "988"})).text()  # unknown: kept
    assert '<option value="988" selected>988</option>' in html


async def test_suggestion_and_empty_state(site):
    html = await (await site.get("/", params={"q": "lazer"})).text()
    assert "Aucun résultat" in html and "Rien ne correspond" in html
    assert 'Vouliez-vous dire <a href="/?q=laser">laser</a>' in html


async def test_hostile_peer_text_is_inert_in_results(site):
    response = await site.get("/", params={"q": "script"})
    html = await response.text()
    page = assert_safe(response, html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>x</mark>&lt;script&gt;" in html  # only <mark> survives in snippets
    assert page.ld[0]["itemListElement"][0]["name"] == HOSTILE + HOSTILE_ATTR
    assert "</script>" not in html.split('application/ld+json">', 1)[1].split("</script>")[0]


async def test_bad_parameter_is_a_french_400_page(site):
    response = await site.get("/", params={"near": "45,nulle part"})
    html = await response.text()
    assert response.status == 400
    assert_safe(response, html)
    assert "near : attendu une commune ou « latitude,longitude »" in html
    assert 'value="45,nulle part"' in html


async def test_place_page_and_listing_pages(site, node: Node):
    did = node.key.did
    response = await site.get(f"/lieux/{did}")
    html = await response.text()
    page = assert_safe(response, html)
    assert "<h1>Fablab de Périgueux</h1>" in html and "Non revendiqué" not in html
    assert "2 rue des Ateliers, 24000 Périgueux" in html and "Tu-Sa 10:00-18:00" in html
    assert 'href="https://fablab-perigueux.example.fr"' in html
    assert 'href="mailto:contact@fablab-perigueux.example.fr"' in html
    assert 'href="tel:0553000000"' in html and "Découpeuse laser (Trotec)" in html
    assert f'href="/lieux/{did}.atom"' in html and "Fil élastique" in html
    [ld] = page.ld
    assert ld["@type"] == "LocalBusiness" and ld["geo"]["latitude"] == "45.1846"
    assert ld["address"]["addressLocality"] == "Périgueux" and len(ld["makesOffer"]) == 4
    offer = await site.get(f"/lieux/{did}/offer/laser")
    html = await offer.text()
    page = assert_safe(offer, html)
    assert "Conditions d'intervention" in html and "Délai de réalisation" in html
    assert "25,00 €" in html and "Transition écologique" in html
    assert page.ld[0]["@type"] == "Offer" and page.ld[0]["offeredBy"]["name"] == PROFILE["name"]
    assert page.ld[0]["priceSpecification"]["price"] == "25.00"
    need = await site.get(f"/lieux/{did}/need/fil")
    html = await need.text()
    page = assert_safe(need, html)
    assert page.ld[0]["@type"] == "Demand" and "200 mètres" in html


async def test_hostile_place_is_inert(site, node: Node):
    hostile = {
        **PROFILE,
        "name": HOSTILE_ATTR,
        "summary": HOSTILE,
        "website": "javascript:alert(1)",
        "contact": {"email": "javascript:alert(1)//@x.fr", "url": "JavaScript:alert(1)"},
        "address": {"city": "</script><script>alert(1)</script>"},
    }
    node.store.append_own(node.key, col="profile", rid="profile", body=hostile)
    node.store.append_own(node.key, col="offer", rid="x", body={"title": HOSTILE_ATTR})
    for path in (f"/lieux/{node.key.did}", f"/lieux/{node.key.did}/offer/x", "/"):
        response = await site.get(path)
        html = await response.text()
        page = assert_safe(response, html)
        assert "javascript:" not in html.lower()
        for ld in page.ld:
            assert "<" not in json.dumps(ld, ensure_ascii=False) or HOSTILE_ATTR in str(ld)


async def test_french_404_pages(site, node: Node):
    for path in ("/lieux/did:key:zInconnu", f"/lieux/{node.key.did}/offer/nope",
                 f"/lieux/{node.key.did}/follow/x"):  # fmt: skip
        response = await site.get(path)
        assert response.status == 404
        html = await response.text()
        assert_safe(response, html)
        assert "Page introuvable" in html and 'lang="fr"' in html
    browser = await site.get("/nulle/part", headers={"Accept": "text/html"})
    assert browser.status == 404 and "Page introuvable" in await browser.text()
    api = await site.get("/nulle/part")
    assert api.status == 404 and (await api.json())["error"] == "not-found"


def test_long_facet_groups_show_the_first_values_and_keep_the_rest_one_click_away():
    """A search over the census spans ~100 departments: the 8 most frequent are shown, the
    chosen one too, the others behind « Voir les autres » (a <details>, no script)."""
    from node.web.pages import FACET_SHOWN, _facets
    from search.model import Facet, SearchResult, parse_params

    departments = [Facet(f"{n:02d}", f"Département {n}", 100 - n) for n in range(1, 21)]
    result = SearchResult(1, 1, 20, [], {"department": departments})
    groups = _facets(parse_params({"department": "15"}), result)
    [group] = groups
    shown = [item["label"] for item in group["items"]]
    assert shown == [f"Département {n}" for n in range(1, FACET_SHOWN + 1)] + ["Département 15"]
    assert group["items"][-1]["active"]
    assert len(group["more"]) == 20 - FACET_SHOWN - 1
    assert "Département 15" not in [item["label"] for item in group["more"]]


def test_counts_are_written_the_french_way():
    from node.display.record_text import number

    nnbsp = "\u202f"  # what French typography puts between thousands
    assert [number(n) for n in (0, 999, 1123, 1_000_000)] == [
        "0",
        "999",
        f"1{nnbsp}123",
        f"1{nnbsp}000{nnbsp}000",
    ]


def test_every_template_is_read_once_at_start():
    """A template changed on disk under a running node (an upgrade in place) is not mixed
    with the code that was started; a broken template fails the start, not a visitor."""
    from node.display.html import environment

    env = environment()
    assert not env.auto_reload
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert {"search.html", "place.html", "error.html", "admin/login.html"} <= set(names)
    assert env.cache is not None and len(env.cache) >= len(names)


def test_conditions_read_as_french():
    from node.display.record_text import conditions_full

    body = {
        "conditions": {"limits": {"lead_time_days": 1, "notice_days": 3, "max_quantity": 12000}},
        "area": {"departments": ["24", "33", "988"]},
    }
    rows = dict(conditions_full(body))
    assert rows["Délai de réalisation"] == "1 jour"
    assert rows["Prévenir"] == "3 jours à l'avance"
    assert rows["Quantité maximale"] == "12\u202f000"
    assert rows["Départements"] == "Dordogne (24), Gironde (33), 988"  # unknown: kept
