"""How long a login link to the admin area stays valid, in minutes: plain constants.

Light on purpose: the command line's parser shows them in ``maillage admin-link --help``
without importing SQLite (:mod:`node.store.admin_sessions`) or the web framework
(:mod:`node.admin.auth`).
"""

from __future__ import annotations

DEFAULT_LINK_MINUTES = 15
MAX_LINK_MINUTES = 24 * 60
