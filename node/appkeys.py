"""The keys of the aiohttp application's state that every room reads.

Handlers read ``request.app[STORE]`` and so on; the keys are typed, so a typo is an
``ImportError`` rather than a ``KeyError`` at request time. A key that one room alone sets
lives beside what it holds (``REPLICATOR`` in ``node.federation.sync``, ``ADMIN_AUTH`` in
``node.admin.auth``…), so this module imports nothing above the store and the index.
"""

from __future__ import annotations

from aiohttp import web

from node.hidden import Hidden
from node.home import KeyInForce
from node.settings import Settings
from node.store.database import Store
from node.writer import Writer
from protocol.keys import SigningKey
from search.index import SearchIndex

#: The node's settings, given to :func:`node.app.create_app`.
SETTINGS = web.AppKey("settings", Settings)
#: The store, opened when the application starts and closed when it stops.
STORE = web.AppKey("store", Store)
#: The node's identity key as loaded when the application starts: ``app[KEY].did`` is the
#: place's did. What signs is ``SIGNER`` (a key rotated meanwhile is read again there).
KEY = web.AppKey("key", SigningKey)
#: The key in force, that the admin area's publications are signed with.
SIGNER = web.AppKey("signer", KeyInForce)
#: The package version announced by ``/.well-known/maillage``.
VERSION = web.AppKey("version", str)
#: The one writer of the node: every write of the server goes through it.
WRITER = web.AppKey("writer", Writer)
#: The local search index (``search.index``), kept current by the writer's announcements.
SEARCH = web.AppKey("search", SearchIndex)
#: The places this node hides (``node.hidden``), kept current by ``node.federation.hiding``.
HIDDEN = web.AppKey("hidden", Hidden)
