"""Every key of the aiohttp application's state, declared in one place.

Handlers read ``request.app[STORE]`` and so on; the keys are typed, so a typo is an
``ImportError`` rather than a ``KeyError`` at request time.
"""

from __future__ import annotations

import jinja2
from aiohttp import web

from node.settings import Settings
from node.store import Store
from node.writer import Writer
from protocol.keys import SigningKey

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
