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
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from node.settings import Settings

ADMIN_FILE = "admin.sqlite3"
COOKIE = "maillage_admin"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/connexion"
TOKEN_PARAM = "jeton"
CSRF_FIELD = "csrf"
DEFAULT_LINK_MINUTES = 15
MAX_LINK_MINUTES = 24 * 60
#: What ``secrets.token_urlsafe(32)`` gives: anything else is refused before any lookup.
_SECRET = re.compile(r"[A-Za-z0-9_-]{43}")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS login_tokens "
    "(hash TEXT PRIMARY KEY, expires_at REAL NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS sessions "
    "(hash TEXT PRIMARY KEY, created_at REAL NOT NULL, expires_at REAL NOT NULL) WITHOUT ROWID",
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def well_formed(secret: object) -> bool:
    return isinstance(secret, str) and _SECRET.fullmatch(secret) is not None


class AdminAuth:
    """Login tokens and sessions of one node, in ``HOME/admin.sqlite3``.

    Every method is blocking (SQLite): the server calls them in a worker thread. ``clock``
    gives the time in seconds (tests move it forward).
    """

    def __init__(
        self, home: Path, session_seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = home / ADMIN_FILE
        self.session_seconds = session_seconds
        self.clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():  # created private before SQLite opens it
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                owner = os.stat(self.path.parent)
                if os.geteuid() == 0 and owner.st_uid != 0:  # root ran admin-link: the
                    os.fchown(fd, owner.st_uid, owner.st_gid)  # node's user must open it
            finally:
                os.close(fd)
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA:
                    conn.execute(statement)
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def _purge(self, conn: sqlite3.Connection, now: float) -> None:
        conn.execute("DELETE FROM login_tokens WHERE expires_at <= ?", (now,))
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))

    def issue_token(self, minutes: float = DEFAULT_LINK_MINUTES) -> str:
        """A new one-time login token, valid ``minutes``; only its hash is stored."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._transaction() as conn:
            self._purge(conn, now)
            conn.execute(
                "INSERT INTO login_tokens (hash, expires_at) VALUES (?, ?)",
                (_digest(token), now + minutes * 60),
            )
        return token

    def token_valid(self, token: object) -> bool:
        """Whether ``token`` would open a session now (it is not used up by asking)."""
        if not well_formed(token):
            return False
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM login_tokens WHERE hash = ?", (_digest(str(token)),)
            ).fetchone()
        return row is not None and row[0] > self.clock()

    def consume_token(self, token: object) -> str | None:
        """Use ``token`` up and open a session: its id, or None if the token is not valid."""
        if not well_formed(token):
            return None
        now = self.clock()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM login_tokens WHERE hash = ?", (_digest(str(token)),)
            ).fetchone()
            conn.execute("DELETE FROM login_tokens WHERE hash = ?", (_digest(str(token)),))
            if row is None or row[0] <= now:
                return None
            self._purge(conn, now)
            session = secrets.token_urlsafe(32)
            conn.execute(
                "INSERT INTO sessions (hash, created_at, expires_at) VALUES (?, ?, ?)",
                (_digest(session), now, now + self.session_seconds),
            )
        return session

    def session_valid(self, session: object) -> bool:
        if not well_formed(session):
            return False
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT expires_at FROM sessions WHERE hash = ?", (_digest(str(session)),)
            ).fetchone()
        return row is not None and row[0] > self.clock()

    def end_session(self, session: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE hash = ?", (_digest(session),))


#: Login tokens and sessions of the admin pages.
ADMIN_AUTH = web.AppKey("admin_auth", AdminAuth)


def for_settings(settings: Settings) -> AdminAuth:
    return AdminAuth(settings.home, settings.admin_session_hours * 3600)


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
