"""The operator's admin pages (``/admin``): the profile, the offers and needs, the peers.

For a volunteer, in French, without JavaScript. Access: ``maillage admin-link`` prints a
one-time link; its page opens a session (``node.admin.auth``). Every route but the login page
goes through :func:`protected`: without a valid session it answers 403 (a French page saying
how to get a link), and a POST without the session's CSRF token, or sent from another site,
is refused (403) before anything is read or written.

Every write is one signed entry through the node's writer (``app[WRITER]``), as the command
line writes through the store: the search index hears of it at once. The forms of the
place's records are in :mod:`node.admin.records`, the peers' page in :mod:`node.admin.peers`.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from node.admin import auth as admin_auth
from node.admin.auth import ADMIN_AUTH, CSRF_FIELD, LOGIN_PATH, TOKEN_PARAM
from node.api_errors import read_form
from node.appkeys import KEY, SETTINGS, STORE
from node.display import html
from node.display import record_text as views
from node.publishing.kinds import KINDS
from node.store.faults import StoreError
from search.expiry import is_expired

log = logging.getLogger("maillage.admin")
MAX_FLASH_SESSIONS = 1000
#: Messages shown once on the next admin page ("offre publiée"), by session id.
ADMIN_FLASH: web.AppKey[dict[str, list[str]]] = web.AppKey("admin_flash")
DENIED = {
    "session": (
        "Accès réservé",
        "Ces pages servent à gérer le nœud : elles sont réservées à la personne qui s'en "
        "occupe, connectée par un lien personnel. Votre connexion a peut-être expiré.",
    ),
    "link": (
        "Lien de connexion expiré",
        "Ce lien de connexion n'est plus valable : il a déjà servi, ou son délai est passé. "
        "Demandez-en un nouveau.",
    ),
    "csrf": (
        "Formulaire refusé",
        "Ce formulaire a expiré ou ne vient pas d'une page de ce nœud : rien n'a été "
        "enregistré. Revenez à l'administration, rechargez la page et recommencez.",
    ),
}


@dataclass(frozen=True)
class Admin:
    """An authenticated admin request: its session, and the form it posted (if any)."""

    session: str
    form: MultiDictProxy[Any] | None


AdminHandler = Callable[[web.Request, Admin], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup(app: web.Application) -> None:
    app[ADMIN_AUTH] = admin_auth.for_settings(app[SETTINGS])
    app[ADMIN_FLASH] = {}
    app.on_response_prepare.append(_private_headers)


async def _private_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Admin answers are never cached, never shared cross-origin, never indexed; and the
    browser names this origin on the forms it posts (``Origin``), which the check needs."""
    if request.path == "/admin" or request.path.startswith("/admin/"):
        for name in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers"):
            response.headers.popall(name, None)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["X-Frame-Options"] = "DENY"


def protected(handler: AdminHandler) -> Handler:
    """``handler`` behind the session check, and for a POST the origin and CSRF checks."""

    @functools.wraps(handler)
    @unavailable_page
    async def guarded(request: web.Request) -> web.StreamResponse:
        session = admin_auth.cookie_session(request)
        if session is None or not await _auth(request, "session_valid", session):
            return denied(request, "session")
        form = None
        if request.method == "POST":
            form = await read_form(request)
            settings = request.app[SETTINGS]
            if not admin_auth.same_origin(request, settings) or not admin_auth.csrf_ok(
                session, form.get(CSRF_FIELD)
            ):
                return denied(request, "csrf")
        return await handler(request, Admin(session, form))

    return guarded


async def _auth(request: web.Request, method: str, *args: Any) -> Any:
    """``app[ADMIN_AUTH].method(*args)`` in a thread; :class:`Unavailable` if it fails."""
    auth = request.app[ADMIN_AUTH]
    try:
        return await asyncio.to_thread(getattr(auth, method), *args)
    except (StoreError, sqlite3.Error, OSError) as exc:  # a full disk, a read-only folder…
        log.error("connexions à l'administration illisibles (%s) : %s", auth.path, exc)
        raise Unavailable from None


class Unavailable(Exception):
    """The file of login tokens and sessions cannot be used (see the server's log)."""


def unavailable_page(handler: Handler) -> Handler:
    """``handler``, answering a French 503 page when the sessions' file is unusable."""

    @functools.wraps(handler)
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except Unavailable:
            message = (
                f"Le fichier des connexions ({admin_auth.ADMIN_FILE}, dans le dossier du nœud) "
                "est illisible : le journal du serveur dit pourquoi. Lancez « maillage "
                "admin-link » avec le même utilisateur que le nœud."
            )
            context = {"title": "Administration indisponible", "message": message}
            return html.render(request, "error.html", context, 503)

    return answer


def denied(request: web.Request, why: str) -> web.Response:
    title, message = DENIED[why]
    return html.render(request, "admin/denied.html", {"title": title, "message": message}, 403)


def page(
    request: web.Request, admin: Admin, template: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    """An admin page: the CSRF token for its forms, and the messages waiting for it."""
    context.update(
        csrf=admin_auth.csrf_token(admin.session),
        csrf_field=CSRF_FIELD,
        flash=request.app[ADMIN_FLASH].pop(admin.session, []),
    )
    context.setdefault("section", "")
    return html.render(request, template, context, status)


def done(request: web.Request, admin: Admin, message: str, to: str = "/admin") -> web.Response:
    """Post/redirect/get: ``message`` is shown once on the page at ``to``."""
    flash = request.app[ADMIN_FLASH]
    if len(flash) >= MAX_FLASH_SESSIONS:
        flash.clear()
    flash.setdefault(admin.session, []).append(message)
    return web.Response(status=303, headers={"Location": to})


# -- login, logout, dashboard -------------------------------------------------------------


@unavailable_page
async def login_page(request: web.Request) -> web.Response:
    """The page of a login link: a button opens the session (a link preview cannot)."""
    token = request.query.get(TOKEN_PARAM)
    if token is None:
        session = admin_auth.cookie_session(request)
        if session is not None and await _auth(request, "session_valid", session):
            return web.Response(status=303, headers={"Location": "/admin"})
        context = {"bye": "au-revoir" in request.query}
        return html.render(request, "admin/login_help.html", context)
    if not await _auth(request, "token_valid", token):
        return denied(request, "link")
    return html.render(request, "admin/login.html", {"token": token, "param": TOKEN_PARAM})


@unavailable_page
async def login(request: web.Request) -> web.Response:
    form = await read_form(request)
    settings = request.app[SETTINGS]
    if not admin_auth.same_origin(request, settings):
        return denied(request, "csrf")
    session = await _auth(request, "consume_token", form.get(TOKEN_PARAM))
    if session is None:
        return denied(request, "link")
    previous = admin_auth.cookie_session(request)
    if previous is not None:  # a new link replaces the session this browser had
        await _auth(request, "end_session", previous)
    response = web.Response(status=303, headers={"Location": "/admin"})
    admin_auth.set_session_cookie(response, session, settings)
    return response


async def logout(request: web.Request, admin: Admin) -> web.Response:
    await _auth(request, "end_session", admin.session)
    request.app[ADMIN_FLASH].pop(admin.session, None)
    response = web.Response(status=303, headers={"Location": f"{LOGIN_PATH}?au-revoir"})
    admin_auth.clear_session_cookie(response)
    return response


async def dashboard(request: web.Request, admin: Admin) -> web.Response:
    store, did = request.app[STORE], request.app[KEY].did
    records = await asyncio.to_thread(store.records, None, did)
    profile = next((r.body for r in records if r.col == "profile" and r.body), None)
    lists: dict[str, list[dict[str, Any]]] = {"offer": [], "need": []}
    # the expired ones (search.expiry) are hidden as in the search, shown on request
    today, with_expired = datetime.date.today(), request.query.get("expired") == "1"
    hidden = 0
    for record in records:
        if record.col in lists and record.body:
            expired = is_expired(record.col, record.body, today)
            hidden += expired
            if with_expired or not expired:
                item = views.listing(did, record.col, record.rid, record.body)
                lists[record.col].append({**item, "past": expired})
    for items in lists.values():
        items.sort(key=lambda item: item["title"].casefold())
    context = {
        "title": "Tableau de bord",
        "profile": views.place(did, profile) if profile else None,
        "did": did,
        "kinds": [(kind, lists[kind.col]) for kind in KINDS.values()],
        "follows": len([r for r in records if r.col == "follow"]),
        "expired": {"count": hidden, "shown": with_expired},
    }
    return page(request, admin, "admin/dashboard.html", context)
