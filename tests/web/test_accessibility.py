"""axe-core on every kind of page, in Debian's headless Chromium: 0 violations.

axe-core is the accessibility engine that Lighthouse and most audits use; nobody here wrote
it. It is installed from the npm registry into ``.clients/`` by ``make clients`` (``make
test`` runs it when npm is there); the test skips, saying so, when it or the browser is
absent. The pages are those a citizen, a town hall or an operator meets: the search page
(empty, with results and their map, with none), a place, an offer, a need, a listing, the
map (``/carte``, as Leaflet draws it), the error page, and the admin area (login,
dashboard, the forms, the peers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from node.admin.auth import create_login_link
from tests.conftest import ROOT
from tests.support.browser import ARGS, CHROMIUM, playwright_or_skip
from tests.support.live_nodes import LiveNode
from tests.support.pages import OFFERS, PROFILE, offer_body

async_api = playwright_or_skip()
AXE = ROOT / ".clients" / "node_modules" / "axe-core" / "axe.min.js"
if not AXE.exists():
    pytest.skip(f"axe-core absent : {AXE} (make clients)", allow_module_level=True)

#: The rules of WCAG 2.1 levels A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

NEED = {
    "title": "Visières de protection pour l'EHPAD",
    "description": "Nous cherchons 500 visières avant la fin du mois.",
    "category": "production.petite-serie",
    "quantity": 500,
    "unit": "pièces",
    "due_date": "2030-01-15",
    "urgency": "haute",
    "enjeux": ["resilience-crise"],
}
LISTING = {
    "name": "La Grange numérique",
    "families": ["tiers-lieu-rural"],
    "address": {"city": "Nontron", "postcode": "24300"},
    "department": "24",
    "geo": {"lat": "45.5294", "lon": "0.6618"},
    "provenance": {"source": "Recensement de test", "licence": "Licence Ouverte 2.0"},
}


def violations(result: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}) : {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
    ]


async def audit(page: Any, url: str) -> list[str]:
    response = await page.goto(url)
    assert response is not None
    assert response.status == (404 if url.endswith("/inconnu") else 200), url
    if await page.locator(".map-panel").count():  # audited as drawn by Leaflet
        await page.wait_for_selector(".map-panel[data-state=ready]")
    await page.add_script_tag(path=str(AXE))
    options = json.dumps({"runOnly": {"type": "tag", "values": TAGS}})
    result = await page.evaluate(f"axe.run(document, {options})")
    assert len(result["passes"]) > 10, result  # the audit really ran
    return [f"{urlsplit(url).path} : {problem}" for problem in violations(result)]


async def test_every_kind_of_page_has_no_axe_violation(tmp_path: Path) -> None:
    node = await LiveNode(tmp_path, "Fablab de Périgueux").start()
    try:
        await node.put("profile", PROFILE, col="profile")
        for rid, title, category, pricing, price in OFFERS:
            await node.put(rid, offer_body(title, category, pricing, price))
        await node.put("visieres-ehpad", NEED, col="need")
        await node.put("grange", LISTING, col="listing")
        # a place this node lists that may serve its need: the need's page lists a match
        await node.put("atelier", {**LISTING, "name": "Atelier des visières"}, col="listing")
        did, base = quote(node.did, safe=":"), node.url
        public = [
            "/",
            "/?q=d%C3%A9coupe+laser",
            "/?q=introuvablissime",
            "/?q=atelier&department=24&category=production.prototypage",
            "/tableau-de-bord",  # the dashboard of enjeux, without and with filters
            "/tableau-de-bord?department=24&enjeu=transition-ecologique",
            f"/lieux/{did}",
            f"/lieux/{did}/offer/laser",
            f"/lieux/{did}/need/visieres-ehpad",
            f"/lieux/{did}/listing/grange",
            "/lieux/inconnu",
            "/carte",
            "/carte?col=offer",
        ]
        admin = [
            "/admin",
            "/admin/profil",
            "/admin/offres/ajouter",
            "/admin/besoins/ajouter",
            "/admin/offres/laser/modifier",
            "/admin/pairs",
        ]
        link = urlsplit(create_login_link(node.settings))
        problems: list[str] = []
        async with async_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                # The pages forbid inline scripts (CSP); the audit injects one, so it asks
                # the browser to let it through, and only it.
                context = await browser.new_context(bypass_csp=True, locale="fr-FR")
                page = await context.new_page()
                for path in public:
                    problems += await audit(page, base + path)
                problems += await audit(page, f"{base}{link.path}?{link.query}")
                await page.get_by_role("button", name="Se connecter").click()
                await page.wait_for_url(f"{base}/admin")
                for path in admin:
                    problems += await audit(page, base + path)
            finally:
                await browser.close()
    finally:
        await node.stop()
    assert not problems, "\n".join(problems)
