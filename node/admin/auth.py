"""Who may use the admin pages: one-time login links, server-side sessions, CSRF tokens.

- ``maillage admin-link`` (another process, the node serving or not) draws a random token,
  stores only its SHA-256 with an expiry in ``HOME/admin.sqlite3`` (mode 0600, a file of its
  own: secrets stay out of the store that is backed up and copied), and prints the link.
- The login page exchanges the token, once, for a session: a random id sent in an HttpOnly,
  ``SameSite=Strict`` cookie limited to ``/admin`` (``Secure`` when ``public_url`` is https).
  The file holds only the hash of the id and its expiry, so a restart does not log out and
  reading the file does not give a session.
- Every form carries the session's CSRF token (an HMAC of the session id, so nothing more is
  stored), compared in constant time; a POST whose ``Origin`` (or, failing it, ``Referer``)
  names another site is refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aiohttp import web

from node.settings import Settings
from node.store.admin_limits import DEFAULT_LINK_MINUTES
from node.store.admin_sessions import (  # noqa: F401  (names of the admin area)
    ADMIN_FILE,
    AdminSessions,
    well_formed,
)

COOKIE = "maillage_admin"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/connexion"
TOKEN_PARAM = "jeton"
CSRF_FIELD = "csrf"
#: Login tokens and sessions of the admin pages.
ADMIN_AUTH = web.AppKey("admin_auth", AdminSessions)


def for_settings(settings: Settings) -> AdminSessions:
    return AdminSessions(settings.home, settings.admin_session_hours * 3600)


# -- the login link -----------------------------------------------------------------------


def node_address(settings: Settings) -> str:
    """Where the operator's browser reaches the node: ``public_url``, else host and port."""
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(settings.host, settings.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def create_login_link(settings: Settings, minutes: float = DEFAULT_LINK_MINUTES) -> str:
    """Issue a one-time token valid ``minutes`` and return the login link carrying it.

    What ``maillage admin-link`` prints; it works whether the node serves or not, since the
    token goes through ``HOME/admin.sqlite3``.
    """
    token = for_settings(settings).issue_token(minutes)
    return f"{node_address(settings)}{LOGIN_PATH}?{TOKEN_PARAM}={token}"


# -- requests -------------------------------------------------------------------------------


def cookie_session(request: web.Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if well_formed(value) else None


def csrf_token(session: str) -> str:
    """The CSRF token of a session: derived from its id, never stored."""
    mac = hmac.new(session.encode("ascii"), b"maillage-admin-csrf-v1", hashlib.sha256)
    return mac.hexdigest()


def csrf_ok(session: str, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(
        csrf_token(session).encode("ascii"), sent.encode("utf-8", "replace")
    )


def same_origin(request: web.Request, settings: Settings) -> bool:
    """False when the request says it comes from another site (``Origin``, else ``Referer``).

    Accepted origins: the one the request was sent to, and that of ``public_url``. A request
    that names no origin at all (an old browser, a script) passes: the CSRF token decides.
    """
    sent = request.headers.get("Origin")
    if sent is None:
        referer = request.headers.get("Referer")
        if referer is None:
            return True
        parts = urlsplit(referer)
        sent = f"{parts.scheme}://{parts.netloc}"
    allowed = {f"{request.scheme}://{request.host}".lower()}
    if settings.public_url is not None:
        public = urlsplit(str(settings.public_url))
        allowed.add(f"{public.scheme}://{public.netloc}".lower())
    return sent.lower() in allowed


def set_session_cookie(response: web.StreamResponse, session: str, settings: Settings) -> None:
    secure = settings.public_url is not None and settings.public_url.scheme == "https"
    response.set_cookie(
        COOKIE,
        session,
        max_age=int(settings.admin_session_hours * 3600),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=COOKIE_PATH)
