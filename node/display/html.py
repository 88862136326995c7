"""How every HTML page of a node is made: one template environment, one way to render.

Used by the public pages (``node.web``) and the operator's pages (``node.admin``), which may
not import each other. Every page carries a strict Content-Security-Policy: no script, no
external resource, styles from this node only, forms sent to this node only; the pages with
the browser map add this node's own scripts (:func:`map_policy`).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from node.appkeys import SETTINGS
from node.display import record_text as views
from protocol import geography
from protocol import vocabulary as vocab

#: The jinja2 environment of the HTML pages (autoescape on).
TEMPLATES = web.AppKey("templates", jinja2.Environment)
#: The bytes of the style sheet served at ``/static/maillage.css``.
STYLESHEET = web.AppKey("stylesheet", bytes)

HERE = Path(__file__).parent
STATIC = HERE / "static"
CSS_PATH = STATIC / "maillage.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: The pages with the browser map (``node.web.map_page``) run this node's own scripts, and
#: Leaflet draws a few images as ``data:`` URLs, and the script reads the markers from this
#: node (``connect-src``); still no inline script, nothing from a CDN.
MAP_POLICY_SOURCES = {"script-src": "'self'", "img-src": "'self' data:", "connect-src": "'self'"}
COLS = (("offer", "Offres"), ("need", "Besoins"), ("profile", "Lieux"))
RADII = ("5", "10", "20", "30", "50", "100")


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, read and compiled once per process (~90 ms) and shared by its apps:
    files changed under a running node (an upgrade in place, before the restart) are not
    mixed with the code that was started."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        auto_reload=False,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = views.number
    groups = [(vocab.CATEGORY_GROUPS.label(g), g) for g in vocab.CATEGORY_GROUPS]
    env.globals.update(
        category_groups=[
            (label, [(c, vocab.CATEGORIES[c]) for c in vocab.CATEGORIES if c.startswith(g + ".")])
            for label, g in groups
        ],
        enjeux=list(vocab.ENJEUX.items()),
        departments=sorted(
            ((code, geography.department_label(code)) for code in geography.DEPARTMENTS),
            key=lambda item: item[1],
        ),
        cols=COLS,
        radii=RADII,
    )
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        env.get_template(name)
    return env


def setup(app: web.Application) -> None:
    app[TEMPLATES] = environment()
    app[STYLESHEET] = CSS_PATH.read_bytes()


def tiles_origin(tiles_url: str) -> str:
    """The CSP source of a tile server's URL: its scheme and host (``{s}.`` becomes ``*.``)."""
    scheme, _, rest = tiles_url.partition("://")
    host = rest.split("/", 1)[0].replace("{s}.", "*.")
    return f"{scheme}://{host}"


def map_policy(tiles_url: str = "") -> str:
    """:data:`CONTENT_SECURITY_POLICY` for a page with the browser map: the node's scripts,
    ``data:`` images, and the operator's tile server only when one is set
    (``map_tiles_url``)."""
    sources = dict(MAP_POLICY_SOURCES)
    if tiles_url:
        sources["img-src"] += " " + tiles_origin(tiles_url)
    directives = []
    for directive in CONTENT_SECURITY_POLICY.split("; "):
        name = directive.split(" ", 1)[0]
        directives.append(f"{name} {sources.pop(name)}" if name in sources else directive)
    return "; ".join(directives + [f"{name} {value}" for name, value in sources.items()])


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    *,
    policy: str = CONTENT_SECURITY_POLICY,
) -> web.Response:
    """A page of ``template`` with the headers every HTML page carries (``policy``: the
    page's Content-Security-Policy, :func:`map_policy` for the map pages)."""
    context.setdefault("node_name", request.app[SETTINGS].name)
    context.setdefault("alternate", None)
    context.setdefault("ld", None)
    context.setdefault("meta", None)  # description and OpenGraph (node.web.meta)
    html = request.app[TEMPLATES].get_template(template).render(context)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response
