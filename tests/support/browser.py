"""What the browser tests share: Debian's Chromium, driven by Playwright's Python package
(never a browser Playwright downloads), or a clean skip when either is missing."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

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
