"""The peers page's masking (``/admin/pairs``): mute a place with a reason, the places
masked with « Ne plus masquer », and the blocklists applied, with their confirmation step.

The use cases are those of the command line (``node.publishing.mutes``,
``node.publishing.blocklists``), run on the writer thread; after each change the hidden set
is read again at once (``node.federation.hiding.refresh``), so the next page shows it.
A list's place that this node follows directly is hidden only after its own « Masquer
aussi » button (the confirmation step), as ``--confirm DID`` on the command line.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from aiohttp import web

from node.admin.site import Admin, done
from node.appkeys import KEY, SETTINGS, STORE, WRITER
from node.federation import hiding
from node.hidden import TO_CONFIRM, applied_lists
from node.publishing import blocklists, mutes
from node.publishing.refusal import Refused

BACK = "/admin/pairs"


async def context(request: web.Request) -> dict[str, Any]:
    """What the peers page shows of masking: the places masked, the lists applied."""
    store, me = request.app[STORE], request.app[KEY].did

    def read() -> dict[str, Any]:
        lists = applied_lists(store, me)
        return {
            "masked": mutes.masked(store, me),
            "applied": lists,
            "to_confirm": TO_CONFIRM,
        }

    return await asyncio.to_thread(read)


def _field(admin: Admin, name: str, limit: int = 600) -> str:
    assert admin.form is not None
    return str(admin.form.get(name, "")).strip()[:limit]


async def _changed(request: web.Request, admin: Admin, work: Any, message: str) -> web.Response:
    """Run ``work`` on the writer thread; then read the hidden places again and say it."""
    try:
        await request.app[WRITER].run(work)
    except Refused as exc:
        return done(request, admin, f"Rien n'a changé : {exc.message}.", BACK)
    await hiding.refresh(request.app)
    return done(request, admin, message, BACK)


async def mute(request: web.Request, admin: Admin) -> web.Response:
    store, me = request.app[STORE], request.app[KEY].did
    did, reason = _field(admin, "did"), _field(admin, "reason")
    work = functools.partial(mutes.mute, store, me, did, reason)
    message = "Lieu masqué sur ce nœud (rien n'est publié) : « Ne plus masquer » le rétablit."
    return await _changed(request, admin, work, message)


async def unmute(request: web.Request, admin: Admin) -> web.Response:
    work = functools.partial(mutes.unmute, request.app[STORE], _field(admin, "did"))
    return await _changed(request, admin, work, "Lieu de nouveau visible sur ce nœud.")


async def apply(request: web.Request, admin: Admin) -> web.Response:
    """Apply a list (``address``: DID or DID/NOM), or confirm one of its places (``confirm``)."""
    app = request.app
    address, confirm = _field(admin, "address"), _field(admin, "confirm")
    work = functools.partial(
        blocklists.apply,
        app[STORE],
        app[KEY].did,
        address,
        app[SETTINGS].max_hops,
        [confirm] if confirm else [],
    )
    if confirm:
        message = "Lieu masqué par la liste : vous l'avez confirmé."
    else:
        message = (
            "Liste appliquée : ses lieux sont masqués sur ce nœud, sauf ceux que vous suivez "
            "directement, à confirmer un par un ci-dessous."
        )
    return await _changed(request, admin, work, message)


async def unapply(request: web.Request, admin: Admin) -> web.Response:
    work = functools.partial(blocklists.unapply, request.app[STORE], _field(admin, "address"))
    return await _changed(
        request, admin, work, "La liste n'est plus appliquée : ses lieux reviennent."
    )
