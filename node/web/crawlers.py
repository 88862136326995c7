"""What search engines read: ``/robots.txt`` and the sitemaps (sitemaps.org 0.9).

``/sitemap.xml`` is a sitemap index naming one file per page of each kind of public page
(``/sitemap-lieux-1.xml``: places, then ``offres``, ``besoins``, ``fiches``: places listed
by a network's node), each of at most ``sitemap_page_size`` addresses (50,000 at most, the
protocol's limit; 10,000 by default: well under its 50 MB). A page is read from the store
by one indexed query of keys and dates (no bodies), so a node of 100,000 records serves
any page in bounded memory. Dates (``<lastmod>``, ``Last-Modified``) are when this node
stored the latest entry of the record's feed: an author's ``ts`` may be anything.
"""

from __future__ import annotations

import asyncio
from xml.sax.saxutils import escape

from aiohttp import web

from node.api_errors import ApiError
from node.appkeys import HIDDEN, SETTINGS, STORE
from node.federation.feed_routes import base_url
from node.hidden import NOTHING_HIDDEN
from node.web.conditional import http_date

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML = "application/xml"
#: The kinds of page in the sitemaps: name in the file's URL, collection, page URL of a record.
KINDS = {
    "lieux": ("profile", "/lieux/{author}"),
    "offres": ("offer", "/lieux/{author}/offer/{rid}"),
    "besoins": ("need", "/lieux/{author}/need/{rid}"),
    "fiches": ("listing", "/lieux/{author}/listing/{rid}"),
}
#: The route of a sitemap page (the page is checked again by :func:`sitemap_page`).
PAGE_ROUTE = "/sitemap-{kind:" + "|".join(KINDS) + "}-{page:[0-9]{1,7}}.xml"
#: Never crawled: the operator's area, the JSON API, the feed API and the push inbox.
DISALLOWED = ("/admin", "/api/", "/feeds", "/inbox", "/.well-known/")


async def robots(request: web.Request) -> web.Response:
    lines = [
        "# Maillage : annuaire des tiers-lieux. Les pages publiques peuvent être indexées.",
        "User-agent: *",
        *(f"Disallow: {path}" for path in DISALLOWED),
        "Allow: /",
        "",
        f"Sitemap: {base_url(request)}/sitemap.xml",
        "",
    ]
    return web.Response(text="\n".join(lines), content_type="text/plain", charset="utf-8")


async def sitemap_index(request: web.Request) -> web.Response:
    store, size = request.app[STORE], request.app[SETTINGS].sitemap_page_size
    base = base_url(request)

    def read() -> tuple[list[tuple[str, int, str]], str | None]:
        files = [
            (kind, number, stored)
            for kind, (col, _) in KINDS.items()
            for number, stored in enumerate(store.record_pages(col, size), start=1)
        ]
        return files, store.newest_update()

    files, newest = await asyncio.to_thread(read)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for kind, number, stored in files:
        loc = escape(f"{base}/sitemap-{kind}-{number}.xml")
        parts.append(f"<sitemap><loc>{loc}</loc><lastmod>{stored}</lastmod></sitemap>\n")
    parts.append("</sitemapindex>\n")
    return _xml("".join(parts), newest)


async def sitemap_page(request: web.Request) -> web.Response:
    kind, page = request.match_info["kind"], int(request.match_info["page"])
    col, pattern = KINDS[kind]
    size = request.app[SETTINGS].sitemap_page_size
    rows = []
    if page >= 1:
        offset = (page - 1) * size
        rows = await asyncio.to_thread(request.app[STORE].record_dates, col, offset, size)
    if not rows:
        raise ApiError(404, "not-found", "Ce fichier du plan du site n'existe pas.")
    hidden = request.app.get(
        HIDDEN, NOTHING_HIDDEN
    )  # the places this node hides (node.hidden) are left out
    rows = [row for row in rows if not hidden.hides(row[0])] or rows[:0]
    base = base_url(request)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<urlset xmlns="{SITEMAP_NS}">\n']
    for author, rid, stored in rows:
        loc = escape(base + pattern.format(author=author, rid=rid))
        parts.append(f"<url><loc>{loc}</loc><lastmod>{stored}</lastmod></url>\n")
    parts.append("</urlset>\n")
    return _xml("".join(parts), max((stored for _, _, stored in rows), default=None))


def _xml(text: str, stored: str | None) -> web.Response:
    response = web.Response(text=text, content_type=XML, charset="utf-8")
    if modified := http_date(stored):
        response.headers["Last-Modified"] = modified
    return response
