"""A page per place (``/lieux/{did}``), per offer or need (``/lieux/{did}/{col}/{rid}``), and
the Atom feed of a place's offers and needs (``/lieux/{did}.atom``), read from the store."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiohttp import web

from node import atom, jsonld, pages, views
from node.appkeys import SETTINGS, STORE
from node.middleware import ApiError
from node.routes_feeds import base_url
from node.store import Store
from protocol.state import Record


def setup(app: web.Application) -> None:
    app.router.add_get("/lieux/{did}.atom", place_atom)  # before /lieux/{did}: first match wins
    app.router.add_get("/lieux/{did}", place_page)
    app.router.add_get("/lieux/{did}/{col}/{rid}", listing_page)


def _updated(store: Store, record: Record) -> str | None:
    line = store.line(record.author, record.seq)
    if line is None:
        return None
    ts = orjson.loads(line)["header"].get("ts")
    return ts if isinstance(ts, str) else None


def _load(store: Store, did: str) -> dict[str, Any] | None:
    """Everything a place page shows, or None when this node holds nothing of ``did``."""
    if store.feed(did) is None:
        return None
    records = store.records(author=did)
    profile = next((r for r in records if r.col == "profile" and r.rid == "profile"), None)
    listings = [r for r in records if r.col == "listing" and r.body]
    body = profile.body if profile and profile.body else None
    if body is None and listings:  # a place known only from a listing (not claimed)
        body = listings[0].body
    view = views.place(did, body)
    view["claimed"] = profile is not None and profile.body is not None
    items: dict[str, list[dict[str, Any]]] = {"offer": [], "need": [], "listing": []}
    for record in records:
        if record.col in items and record.body:
            item = views.listing(did, record.col, record.rid, record.body)
            item["updated"] = _updated(store, record)
            items[record.col].append(item)
    for group in items.values():
        group.sort(key=lambda item: item["title"].casefold())
    return {"place": view, **items}


def _pick(store: Store, did: str, col: str, rid: str) -> dict[str, Any] | None:
    record = store.record(did, col, rid)
    if record is None or record.body is None:
        return None
    data = _load(store, did)
    if data is None:
        return None
    item = views.listing(did, col, rid, record.body)
    item["updated"] = _updated(store, record)
    return {"place": data["place"], "item": item, "body": record.body}


async def place_page(request: web.Request) -> web.Response:
    did = request.match_info["did"]
    data = await asyncio.to_thread(_load, request.app[STORE], did)
    if data is None:
        return pages.error_page(request, 404, "Ce nœud ne connaît pas ce lieu.")
    base = base_url(request)
    place = data["place"]
    ld = jsonld.place(place, base, data["offer"], data["need"])
    context = {**data, "ld": jsonld.dumps(ld), "alternate": f"/lieux/{did}.atom"}
    return pages.render(request, "place.html", context)


async def listing_page(request: web.Request) -> web.Response:
    did, col, rid = (request.match_info[k] for k in ("did", "col", "rid"))
    data = None
    if col in views.LISTING_COLS:
        data = await asyncio.to_thread(_pick, request.app[STORE], did, col, rid)
    if data is None:
        return pages.error_page(request, 404, "Cette offre ou ce besoin n'existe pas (ou plus).")
    base = base_url(request)
    ld = jsonld.listing(data["item"], data["body"], data["place"], base)
    context = {**data, "ld": jsonld.dumps(ld), "alternate": f"/lieux/{did}.atom"}
    return pages.render(request, "listing.html", context)


async def place_atom(request: web.Request) -> web.Response:
    did = request.match_info["did"]
    data = await asyncio.to_thread(_load, request.app[STORE], did)
    if data is None:
        raise ApiError(404, "unknown-feed", "Ce nœud ne connaît pas ce lieu.")
    base = base_url(request)
    place = data["place"]
    entries = [
        {
            "url": base + item["url"],
            "title": f"{item['col_label']} : {item['title']}",
            "updated": item["updated"],
            "summary": " — ".join(
                x for x in (item["category_label"], *item["short"], item["description"]) if x
            ),
            "category": item["category"],
            "category_label": item["category_label"],
        }
        for item in data["offer"] + data["need"]
    ]
    body = atom.feed(
        feed_id=f"{base}/lieux/{did}",
        title=f"{place['name']} : offres et besoins",
        subtitle=place["summary"],
        self_url=f"{base}/lieux/{did}.atom",
        html_url=f"{base}/lieux/{did}",
        author=place["name"] or request.app[SETTINGS].name,
        entries=entries,
    )
    return web.Response(body=body, content_type=atom.ATOM, charset="utf-8")
