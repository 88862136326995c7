"""To be written (issue 4)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Placeholder: adds nothing yet."""
