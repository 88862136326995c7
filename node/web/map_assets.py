"""The browser map's files: the vendored Leaflet, its clustering plugin, the map of
departments (``node.display.vendor``) and the node's own ``carte.js``.

Served from a fixed table built at start-up: a request's path is a key of that table, never
a path on disk, so no ``..`` or encoded trick can reach another file. The vendored URLs
carry their package's version (``/static/vendor/leaflet-1.9.4/leaflet.js``), so
``node.web.conditional`` lets browsers keep them for a year; ``carte.js`` changes with the
node and is kept an hour, like the style sheet.
"""

from __future__ import annotations

import functools
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

from node.display import vendor
from node.display.html import STATIC

SCRIPT = STATIC / "carte.js"
SCRIPT_URL = "/static/carte.js"
ROUTE = "/static/vendor/{path:.+}"


@functools.cache
def files() -> dict[str, tuple[bytes, str, str]]:
    """Every file served here, by URL path: (bytes, content type, Last-Modified); read once."""
    table = {**vendor.served(), SCRIPT_URL: SCRIPT}
    return {url: _read(path) for url, path in table.items()}


def _read(path: Path) -> tuple[bytes, str, str]:
    return (
        path.read_bytes(),
        vendor.content_type(path),
        formatdate(path.stat().st_mtime, usegmt=True),
    )


async def asset(request: web.Request) -> web.Response:
    found = files().get(request.path)
    if found is None:
        raise web.HTTPNotFound()  # the French error page (node.web.errors)
    body, content_type, modified = found
    response = web.Response(body=body, content_type=content_type)
    if content_type.startswith("text/"):
        response.charset = "utf-8"
    response.headers["Last-Modified"] = modified
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
