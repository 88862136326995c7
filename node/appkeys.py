"""Every key of the aiohttp application's state, declared in one place.

Handlers read ``request.app[STORE]`` and so on; the keys are typed, so a typo is an
``ImportError`` rather than a ``KeyError`` at request time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import jinja2
from aiohttp import web

from node.admin_auth import AdminAuth
from node.settings import Settings
from node.store import Store
from node.writer import Writer
from protocol.keys import SigningKey
from search.index import SearchIndex

if TYPE_CHECKING:  # node.sync reads these keys: no import at run time
    from node.sync import Replicator

#: The node's settings, given to :func:`node.app.create_app`.
SETTINGS = web.AppKey("settings", Settings)
#: The store, opened when the application starts and closed when it stops.
STORE = web.AppKey("store", Store)
#: The node's identity key (the did is ``app[KEY].did``), loaded when the application starts.
KEY = web.AppKey("key", SigningKey)
#: The jinja2 environment of the HTML pages (autoescape on).
TEMPLATES = web.AppKey("templates", jinja2.Environment)
#: The bytes of the style sheet served at ``/static/maillage.css``.
STYLESHEET = web.AppKey("stylesheet", bytes)
#: The package version announced by ``/.well-known/maillage``.
VERSION = web.AppKey("version", str)
#: The one writer of the node: every write of the server goes through it.
WRITER = web.AppKey("writer", Writer)
#: The local search index (``search.index``), kept current by the writer's announcements.
SEARCH = web.AppKey("search", SearchIndex)

if TYPE_CHECKING:
    from node.inbox import RateLimiter
    from node.push import Pusher
    from node.subscriptions import Subscriber

#: The hub side of push: subscribers of this node's feeds, and delivery to them.
PUSHER: web.AppKey[Pusher] = web.AppKey("pusher")
#: The follower side of push: the subscriptions this node asked of the nodes it follows.
SUBSCRIBER: web.AppKey[Subscriber] = web.AppKey("subscriber")
#: The HTTP client of push (deliveries, intent checks, subscription requests).
PUSH_SESSION = web.AppKey("push_session", aiohttp.ClientSession)
#: The pull replicator (``node.sync``), built when the application starts.
REPLICATOR: web.AppKey[Replicator] = web.AppKey("replicator")
#: The rate limit of ``POST /inbox``, per remote address.
INBOX_LIMITER: web.AppKey[RateLimiter] = web.AppKey("inbox_limiter")

if TYPE_CHECKING:
    from node.tasks import BackgroundTasks

#: Login tokens and sessions of the admin pages (``node.admin_auth``).
ADMIN_AUTH = web.AppKey("admin_auth", AdminAuth)
#: Messages shown once on the next admin page ("offre publiée"), by session id.
ADMIN_FLASH: web.AppKey[dict[str, list[str]]] = web.AppKey("admin_flash")
#: Work the admin pages start and the app stops with it (a sync after a new follow).
ADMIN_TASKS: web.AppKey[BackgroundTasks] = web.AppKey("admin_tasks")
