"""What the browser tests share: Debian's Chromium, driven by Playwright's Python package
(never a browser Playwright downloads), or a clean skip when either is missing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def playwright_or_skip() -> ModuleType:
    """``playwright.async_api``; skips the calling test module when the browser or the
    package is absent (call it at module level)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"navigateur absent : {CHROMIUM} (apt-get install chromium)", allow_module_level=True
        )
    return pytest.importorskip(
        "playwright.async_api", reason="paquet Python playwright absent (pip install playwright)"
    )


def record_problems(page: Any, problems: list[str], requests: list[str] | None = None) -> None:
    """Note on ``problems`` every console error and script error of ``page`` (a CSP
    violation is a console error), and every URL it requests on ``requests``."""
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    if requests is not None:
        page.on("request", lambda r: requests.append(r.url))


@contextlib.asynccontextmanager
async def chromium(async_api: ModuleType) -> AsyncIterator[Any]:
    """Debian's Chromium, headless, closed on the way out."""
    async with async_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()
