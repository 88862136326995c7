"""The search page in a real browser: Debian's headless Chromium driven by Playwright.

Playwright's Python package only: it never downloads a browser here. Skipped, with the
reason, when ``/usr/bin/chromium`` or the package is absent (CI installs both).
Set ``MAILLAGE_SCREENSHOTS=1`` to also copy the screenshot to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from node.appkeys import KEY
from node.home import Node
from tests.conftest import ROOT
from tests.support.browser import ARGS, CHROMIUM, playwright_or_skip, record_problems
from tests.support.pages import OFFERS, PROFILE, FakeIndex, offer_body, serve_with_index

async_api = playwright_or_skip()


async def test_search_page_in_headless_chromium(node: Node, tmp_path: Path):
    node.store.append_own(node.key, col="profile", rid="profile", body=PROFILE)
    for rid, title, category, pricing, price in OFFERS:
        body = offer_body(title, category, pricing, price)
        node.store.append_own(node.key, col="offer", rid=rid, body=body)
    client = await serve_with_index(node.settings, lambda app: FakeIndex(app[KEY].did))
    base = str(client.make_url("")).rstrip("/")
    problems: list[str] = []
    requests: list[str] = []
    try:
        async with async_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1100, "height": 900})
                record_problems(page, problems, requests)
                await page.goto(base + "/")
                assert await page.title() == "Rechercher · Maillage"
                await page.get_by_label("Que cherchez-vous ?").fill("découpe laser")
                await page.keyboard.press("Enter")
                await page.wait_for_url("**/?q=*")
                heading = page.get_by_role("heading", name="Découpe laser sur bois et acrylique")
                await heading.wait_for()
                assert "1 résultat" in await page.locator("#resultats").inner_text()
                assert await page.locator("article.card").count() == 1
                shot = tmp_path / "recherche.png"
                await page.screenshot(path=str(shot), full_page=True)
                # The keyboard reaches the first result, and following it opens the offer.
                await page.locator("article.card h3 a").focus()
                await page.keyboard.press("Enter")
                await page.get_by_role("heading", name="Conditions d'intervention").wait_for()
                phone = await browser.new_page(viewport={"width": 390, "height": 844})
                await phone.goto(base + "/?q=formation")
                wide = await phone.evaluate("document.documentElement.scrollWidth")
                assert wide <= 390, f"page plus large que l'écran du téléphone : {wide}px"
                await phone.screenshot(path=str(tmp_path / "recherche-mobile.png"), full_page=True)
            finally:
                await browser.close()
    finally:
        await client.close()
    print(f"\ncapture d'écran : {shot}")
    if os.environ.get("MAILLAGE_SCREENSHOTS") == "1":
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "recherche.png")
        shutil.copy(tmp_path / "recherche-mobile.png", target / "recherche-mobile.png")
        print(f"copiée dans {target}")
    problems += [url for url in requests if not url.startswith(base)]
    assert not problems, problems  # no CSP violation, no script error, nothing external
