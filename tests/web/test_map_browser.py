"""The map in a real browser (Debian's headless Chromium, Playwright): the markers of the
places with coordinates, clustered, over the bundled departments; popups that lead to the
place's page, from the keyboard too; the search page's map of its results; the dashboard's
charts and map. Every request
is recorded: none may leave the node, and no console or script error may occur."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from node.display import vendor
from tests.support.browser import chromium, playwright_or_skip, record_problems
from tests.support.map_node import LOCATED, ON_MAP, map_node
from tests.support.polling import until

async_api = playwright_or_skip()


async def markers_shown(page: Any, expected: int) -> int:
    """What the map counts, its single markers plus the number in each cluster, once it is
    ``expected`` (a zoom's animation shows the clusters before and after for a moment)."""
    with contextlib.suppress(AssertionError):  # then the test says what it counted
        await until(lambda: _counted(page, expected), timeout=5, what="the markers")
    return await _count(page)


async def _counted(page: Any, expected: int) -> bool:
    return await _count(page) == expected


async def _count(page: Any) -> int:
    return await page.evaluate(
        """() => {
          const live = document.querySelector('.map-panel .map-live');
          const clusters = [...live.querySelectorAll('.marker-cluster span')]
            .reduce((n, span) => n + Number(span.textContent), 0);
          const single = live.querySelectorAll(
            '.leaflet-marker-icon:not(.marker-cluster)').length;
          return clusters + single;
        }"""
    )


async def test_the_map_shows_the_places_and_nothing_leaves_the_node(tmp_path: Path):
    node = await map_node(tmp_path)
    shots = Path(os.environ.get("MAILLAGE_MAP_SHOTS") or tmp_path)  # to look at them
    base = node.url
    problems: list[str] = []
    requests: list[str] = []
    try:
        async with chromium(async_api) as browser:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            record_problems(page, problems, requests)
            await page.goto(base + "/carte")
            panel = page.locator(".map-panel")
            await page.wait_for_selector(".map-panel[data-state=ready]")
            assert await panel.get_attribute("data-markers") == str(ON_MAP)
            assert await page.locator(".map-static").is_hidden()
            assert await markers_shown(page, ON_MAP) == ON_MAP  # La Réunion is off this map
            await page.screenshot(path=str(shots / "carte.png"), full_page=True)
            # the keyboard opens the cluster (Enter zooms to it) until the Grange (near the
            # fablab) has a marker of its own. Not the zoom button: zoomed about the centre
            # while the animation runs, Nontron could leave the view (a flaky test).
            marker = page.locator(".leaflet-marker-icon[title='La Grange numérique']")
            for _ in range(6):
                if await marker.count():
                    break
                await page.locator(".marker-cluster").first.focus()
                await page.keyboard.press("Enter")
                with contextlib.suppress(async_api.TimeoutError):
                    await marker.wait_for(timeout=3000)
            # the keyboard: a marker takes the focus, Enter opens its popup
            await marker.focus()
            await page.keyboard.press("Enter")
            link = page.locator(".leaflet-popup-content a")
            await link.wait_for()
            assert await link.inner_text() == "La Grange numérique"
            assert await link.get_attribute("href") == f"/lieux/{node.did}/listing/grange"
            await page.keyboard.press("Enter")  # the popup's link has the focus
            await page.wait_for_url(f"**/lieux/{node.did}/listing/grange")

            # the search page: its results on a map beside them
            await page.goto(base + "/?q=laser")
            await page.wait_for_selector(".map-panel[data-state=ready]")
            assert await page.locator(".map-panel").get_attribute("data-markers") == "2"
            assert await markers_shown(page, 2) == 2
            await page.screenshot(path=str(shots / "recherche-carte.png"), full_page=True)

            # the dashboard: its charts drawn by the server, its map of the same places
            await page.goto(base + "/tableau-de-bord")
            await page.wait_for_selector(".map-panel[data-state=ready]")
            assert await page.locator("svg.chart").count() == 4
            assert await markers_shown(page, ON_MAP) == ON_MAP
            await page.screenshot(path=str(shots / "tableau-de-bord.png"), full_page=True)
    finally:
        await node.stop()
    outside = [url for url in requests if not url.startswith(base + "/")]
    assert not outside, outside
    assert any("/api/places.geojson" in url for url in requests)
    assert any("carte-departements.svg" in url for url in requests)
    assert not problems, problems  # no CSP violation, no script error
    assert LOCATED == ON_MAP + 1


async def test_with_an_operators_tile_server_the_map_uses_it_and_nothing_else(tmp_path: Path):
    tiles = "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
    node = await map_node(tmp_path, map_tiles_url=tiles, map_tiles_attribution="© Test")
    tile = (vendor.VENDOR / "leaflet" / "images" / "marker-icon.png").read_bytes()
    problems: list[str] = []
    requests: list[str] = []
    served: list[str] = []

    async def fake_tile(route: Any) -> None:  # answered in the browser: nothing leaves
        served.append(route.request.url)
        await route.fulfill(body=tile, content_type="image/png")

    try:
        async with chromium(async_api) as browser:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            record_problems(page, problems, requests)
            await page.route("https://tuiles.exemple.fr/**", fake_tile)
            await page.goto(node.url + "/carte")
            await page.wait_for_selector(".map-panel[data-state=ready]")
            # on the world's map, La Réunion has its marker too
            assert await page.locator(".map-panel").get_attribute("data-markers") == str(LOCATED)
            assert await markers_shown(page, LOCATED) == LOCATED
            assert "© Test" in await page.locator(".leaflet-control-attribution").inner_text()
    finally:
        await node.stop()
    elsewhere = [url for url in requests if not url.startswith(node.url + "/")]
    assert served and set(elsewhere) <= set(served), elsewhere  # the tile server only
    assert all(url.startswith("https://tuiles.exemple.fr/") for url in served)
    assert not problems, problems
