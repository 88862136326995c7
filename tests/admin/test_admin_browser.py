"""The admin flow in a real browser: Debian's headless Chromium driven by Playwright.

The operator opens the link ``maillage admin-link`` prints, logs in, adds an offer with the
form (a mistake first: the form comes back explained, with nothing lost), then finds the
offer with the search page. Skipped, with the reason, when ``/usr/bin/chromium`` or the
Playwright package is absent (CI installs both). ``MAILLAGE_SCREENSHOTS=1`` also copies the
screenshots to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from node.admin.auth import create_login_link
from node.home import Node
from tests.conftest import ROOT
from tests.support.browser import ARGS, CHROMIUM, playwright_or_skip
from tests.support.http_servers import serve

TITLE = "Visières de protection en petite série"

async_api = playwright_or_skip()


def _error(message) -> bool:
    """A console error, except the one Chromium logs for the form sent back with a 400."""
    return message.type == "error" and "status of 400" not in message.text


async def test_log_in_add_an_offer_and_find_it(node: Node, tmp_path: Path) -> None:
    node.store.append_own(
        node.key, col="profile", rid="profile", body={"name": "Fablab de Nontron"}
    )
    client = await serve(node.settings)
    base = str(client.make_url("")).rstrip("/")
    link = urlsplit(create_login_link(node.settings))  # what « maillage admin-link » prints
    login = f"{base}{link.path}?{link.query}"  # the test server listens on a port of its own
    problems: list[str] = []
    shots = {name: tmp_path / f"{name}.png" for name in ("admin", "admin-formulaire")}
    try:
        async with async_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = await browser.new_page(
                    viewport={"width": 1100, "height": 900}, locale="fr-FR"
                )
                page.on("console", lambda m: problems.append(m.text) if _error(m) else None)
                page.on("pageerror", lambda e: problems.append(str(e)))
                page.on(
                    "request",
                    lambda r: None if r.url.startswith(base) else problems.append(r.url),
                )
                await page.goto(login)
                await page.get_by_role("button", name="Se connecter").click()
                await page.wait_for_url(f"{base}/admin")
                await page.get_by_role("heading", name="Administration du lieu").wait_for()
                await page.get_by_role("link", name="Ajouter une offre").click()
                await page.wait_for_url("**/admin/offres/ajouter")

                # A mistake first (no title, a price in words): explained, nothing lost.
                description = "Visières en PETG découpées au laser, livrées sous 10 jours."
                await page.get_by_label("Catégorie").select_option("production.petite-serie")
                await page.get_by_label("Description").fill(description)
                await page.get_by_label("Résilience face aux crises").check()
                await page.get_by_label("Tarification").select_option("tarif")
                await page.get_by_label("Prix en euros").fill("deux euros")
                await page.get_by_role("button", name="Publier").click()
                summary = page.get_by_role("alert")
                await summary.wait_for()
                assert "2 problèmes" in await summary.inner_text()
                await page.screenshot(path=str(shots["admin-formulaire"]), full_page=True)
                assert await page.get_by_label("Description").input_value() == description
                assert await page.get_by_label("Résilience face aux crises").is_checked()
                await page.get_by_role("link", name="Prix en euros").click()  # to the field
                assert await page.evaluate("document.activeElement.id") == "f-conditions-price"

                await page.get_by_label("Prix en euros").fill("2,50")
                await page.get_by_label("Titre").fill(TITLE)
                await page.get_by_label("Le prix s'entend").select_option("piece")
                await page.get_by_label("Délai de réalisation (jours)").fill("10")
                await page.get_by_label("Valable jusqu'au").fill("2031-06-30")
                await page.get_by_label("Collectivités").check()
                await page.get_by_role("button", name="Publier").click()
                await page.wait_for_url(f"{base}/admin#offres")
                status = page.get_by_role("status")
                assert f"Offre « {TITLE} » publiée" in await status.inner_text()
                assert await page.get_by_role("link", name=TITLE, exact=True).count() == 1
                edit = page.get_by_role("link", name=f"Modifier « {TITLE} »")
                assert await edit.count() == 1  # each action names its offer
                await page.screenshot(path=str(shots["admin"]), full_page=True)

                # Anyone finds it with the search page.
                await page.goto(base + "/")
                await page.get_by_label("Que cherchez-vous ?").fill("visières petite série")
                await page.keyboard.press("Enter")
                await page.wait_for_url("**/?q=*")
                await page.get_by_role("heading", name=TITLE).wait_for()
                card = page.locator("article.card", has_text=TITLE)
                assert "2,50 €" in await card.inner_text()

                phone = await browser.new_page(viewport={"width": 390, "height": 844})
                await phone.goto(login)  # used up: the page says so and how to get another
                assert "plus valable" in await phone.locator("main").inner_text()
                await phone.context.add_cookies(await page.context.cookies())
                await phone.goto(base + "/admin/profil")
                wide = await phone.evaluate("document.documentElement.scrollWidth")
                assert wide <= 390, f"page plus large que l'écran du téléphone : {wide}px"
            finally:
                await browser.close()
    finally:
        await client.close()
    print(f"\ncaptures d'écran : {', '.join(str(p) for p in shots.values())}")
    if os.environ.get("MAILLAGE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for name, shot in shots.items():
            shutil.copy(shot, target / f"{name}.png")
        print(f"copiées dans {target}")
    assert not problems, problems  # no CSP violation, no script error, nothing external
