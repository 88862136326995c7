"""The endorse actions of the peers' admin page (``/admin/pairs``): « Recommander » (with a
note and scopes, the common core's categories) and « Retirer la recommandation ».

They are the use cases of ``maillage endorse`` (``node.publishing.endorsements``), run on
the writer, so an endorsement from the admin area and one from the command line are the
same signed entry. :func:`rows` adds to the page's rows what this node endorses.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from node.admin.site import Admin, done, page
from node.appkeys import KEY, SIGNER, STORE, WRITER
from node.publishing import endorsements, records
from node.publishing.refusal import Refused
from node.store.database import Store
from protocol import vocabulary as vocab

BACK = "/admin/pairs"


def scope_choices() -> list[tuple[str, str]]:
    """The scopes offered: each group of the common core, then its categories."""
    out = []
    for group, label in vocab.CATEGORY_GROUPS.items():
        out.append((group, f"{label} (tout le domaine)"))
        out += [
            (c, f"— {vocab.CATEGORIES.label(c)}")
            for c in vocab.CATEGORIES
            if c.startswith(group + ".")
        ]
    return out


def mine(store: Store, me: str) -> dict[str, dict[str, Any]]:
    """This node's endorsements by did: their note and scopes (codes and labels)."""
    return {
        item.did: {
            "note": item.note,
            "scopes": list(item.scopes),
            "scope_labels": [vocab.scope_label(s) for s in item.scopes],
        }
        for item in endorsements.endorsements(store, me)
    }


async def endorse(request: web.Request, admin: Admin) -> web.Response:
    """POST: endorse the place ``did`` with the note and scopes given."""
    assert admin.form is not None
    app = request.app
    did = str(admin.form.get("did", "")).strip()
    note = str(admin.form.get("note", ""))
    scopes = [str(s) for s in admin.form.getall("scope", [])]
    try:
        outcome = await records.served(
            app[WRITER], endorsements.endorse, app[SIGNER], did, note, scopes
        )
    except Refused as exc:
        return done(request, admin, f"Recommandation refusée : {exc}.", BACK)
    label = await _label(app[STORE], outcome.rid)
    if outcome.entry is None:
        return done(request, admin, f"Vous recommandez déjà {label} ainsi.", BACK)
    verb = "Recommandation mise à jour" if outcome.updated else "Vous recommandez maintenant"
    return done(request, admin, f"{verb} : {label}.", BACK)


async def unendorse(request: web.Request, admin: Admin) -> web.Response:
    """Ask to confirm (GET ?did=), then withdraw the endorsement (POST)."""
    app = request.app
    store, me = app[STORE], app[KEY].did
    source = request.query if admin.form is None else admin.form
    did = str(source.get("did", ""))
    current = await asyncio.to_thread(store.record, me, endorsements.COL, did)
    if current is None:
        return done(request, admin, "Ce lieu n'est pas (ou plus) recommandé par ce nœud.", BACK)
    label = await _label(store, did)
    if admin.form is None:
        context = {
            "title": "Retirer la recommandation ?",
            "section": "pairs",
            "named": label,
            "did": did,
            "explain": "La recommandation signée sera retirée de votre journal : les nœuds "
            "qui vous suivent le verront à leur prochaine copie. Le lieu ne sera plus "
            "présenté comme membre de votre réseau.",
            "button": "Retirer la recommandation",
            "action": "/admin/pairs/ne-plus-recommander",
            "cancel": BACK,
        }
        return page(request, admin, "admin/remove.html", context)
    try:
        await records.served(app[WRITER], endorsements.unendorse, app[SIGNER], did)
    except Refused as exc:
        return done(request, admin, str(exc), BACK)
    return done(request, admin, f"Vous ne recommandez plus {label}.", BACK)


async def _label(store: Store, did: str) -> str:
    name = await asyncio.to_thread(endorsements.place_name, store, did)
    return f"« {name} »" if name else did
