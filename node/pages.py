"""The node's public HTML page (``GET /``) and its style sheet.

Peer text is untrusted: templates autoescape, and every page carries a strict
Content-Security-Policy (no script, no external resource, styles from this node only).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from node.appkeys import KEY, SETTINGS, STORE, STYLESHEET, TEMPLATES
from node.store import Store
from protocol.vocabulary import CATEGORIES, FAMILIES

HERE = Path(__file__).parent
CSS_PATH = HERE / "static" / "maillage.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def setup(app: web.Application) -> None:
    app[TEMPLATES] = environment()
    app[STYLESHEET] = CSS_PATH.read_bytes()
    app.router.add_get("/", index)
    app.router.add_get("/static/maillage.css", stylesheet)


async def index(request: web.Request) -> web.Response:
    did = request.app[KEY].did
    context = await asyncio.to_thread(_context, request.app[STORE], did)
    context["name"] = request.app[SETTINGS].name
    context["did"] = did
    html = request.app[TEMPLATES].get_template("index.html").render(context)
    response = web.Response(text=html, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


async def stylesheet(request: web.Request) -> web.Response:
    css = request.app[STYLESHEET]
    tag = hashlib.sha256(css).hexdigest()[:20]
    if any(e.value == tag for e in request.if_none_match or ()):
        response = web.Response(status=304)
    else:
        response = web.Response(body=css, content_type="text/css", charset="utf-8")
    response.headers["ETag"] = f'"{tag}"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _context(store: Store, did: str) -> dict[str, Any]:
    """What the page shows, read from the store (in a worker thread)."""
    own = store.records(author=did)
    profile = next((r.body for r in own if r.col == "profile" and r.body), None) or {}
    address = profile.get("address")
    return {
        "summary": _text(profile.get("summary")),
        "city": _text(address.get("city")) if isinstance(address, dict) else "",
        "families": [FAMILIES.label(f) for f in _texts(profile.get("families"))],
        "offers": _items(r for r in own if r.col == "offer"),
        "needs": _items(r for r in own if r.col == "need"),
        "copies": sum(1 for feed in store.feeds() if feed.author != did),
    }


def _items(records: Any) -> list[dict[str, str]]:
    items = []
    for record in records:
        body = record.body or {}
        category = _text(body.get("category"))
        items.append(
            {
                "title": _text(body.get("title")) or record.rid,
                "category": CATEGORIES.label(category) if category else "",
            }
        )
    return sorted(items, key=lambda item: item["title"].casefold())


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
