"""The peers' admin page (``/admin/pairs``): whom the place follows, each feed's state, and
the follow and unfollow forms.

Following is the use case of ``maillage follow`` (``node.publishing.follows``): the address
is normalised, the node there names its did in ``/.well-known/maillage``, and a signed
``follow`` record is appended; replication starts at once (``node.federation.sync`` listens
for own follows). Unfollowing appends the deletion of that record.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from node.admin import endorsements as admin_endorsements
from node.admin import masking
from node.admin.site import Admin, done, page
from node.appkeys import KEY, SETTINGS, SIGNER, STORE, WRITER
from node.display import record_text as views
from node.federation import peers
from node.hidden import hidden_authors
from node.publishing import follows, records
from node.publishing.refusal import Refused
from node.settings import Settings
from node.store.database import Store

#: The colour of each state (its words are ``peers.STATUS_LABELS``, as on the command line).
TONES = {peers.OK: "ok", peers.UNREACHABLE: "bad", peers.FORK: "bad", peers.QUOTA: "bad"}
TONES[peers.MUTED] = "bad"


def peer_rows(store: Store, me: str, settings: Settings) -> list[dict[str, Any]]:
    """One row per feed followed, reached through a follow, or still held: its state."""
    capped: dict[str, int] = {}
    per_peer = settings.max_feeds_via_peer
    wanted = peers.wanted_feeds(store, me, settings.max_hops, per_peer, capped)
    hidden = hidden_authors(store, me)
    limit = peers.quota(settings)
    table = peers.peers(store)
    held = {feed.author: feed for feed in store.feeds()}
    endorsed = admin_endorsements.mine(store, me)
    rows = []
    for did in [*wanted, *sorted(d for d in held if d not in wanted and d != me)]:
        item = wanted.get(did)
        source = (item.urls or item.via or [None])[0] if item else None
        peer = table.get(source) if source else None
        profile = store.record(did, "profile", "profile")
        name = (profile.body or {}).get("name") if profile else None
        code = peers.feed_status(store, did, item, peer, limit, hidden)
        label = peers.status_label(code)
        tone = "bad" if code.startswith(peers.ERROR) else TONES.get(code, "wait")
        feed = held.get(did)
        rows.append(
            {
                "did": did,
                "name": name if isinstance(name, str) and name.strip() else None,
                "url": item.urls[0] if item and item.urls else None,
                "via": None if item is None or item.urls else source,
                "direct": item is not None and item.hops == 1 and bool(item.urls),
                "entries": feed.seq if feed else 0,
                "last_success": _when(peer.last_success) if peer else None,
                "failures": peer.failures if peer else 0,
                "status": label[:1].upper() + label[1:],
                "tone": tone,
                "capped": capped.get(did, 0),
                "per_peer": per_peer,
                "endorsed": endorsed.get(did),
                "hidden": did in hidden,
            }
        )
    return rows


def _when(ts: str | None) -> str | None:
    """``2026-11-27T13:38:57Z`` → ``27 novembre 2026 à 13 h 38 (UTC)``."""
    if not ts:
        return None
    return f"{views.french_date(ts)} à {ts[11:13]} h {ts[14:16]} (UTC)"


async def peers_page(
    request: web.Request, admin: Admin, url: str = "", problem: str = ""
) -> web.Response:
    app = request.app
    rows = await asyncio.to_thread(peer_rows, app[STORE], app[KEY].did, app[SETTINGS])
    context = {
        "title": "Lieux suivis",
        "section": "pairs",
        "rows": rows,
        "url": url,
        "problem": problem,
        "scope_choices": admin_endorsements.scope_choices(),
        **await masking.context(request),  # the places masked, the lists applied
    }
    return page(request, admin, "admin/peers.html", context, 400 if problem else 200)


async def follow(request: web.Request, admin: Admin) -> web.Response:
    assert admin.form is not None
    raw = str(admin.form.get("url", "")).strip()
    app = request.app
    url = peers.normalise_url(raw)
    if url is None:
        problem = "doit être l'adresse d'un nœud, commençant par http:// ou https://"
        return await peers_page(request, admin, raw, problem)
    try:  # the same use case as « maillage follow »
        did, name = await follows.discover(url, app[SETTINGS])
        outcome = await records.served(app[WRITER], follows.follow, app[SIGNER], url, did, name)
    except Refused as exc:
        return await peers_page(request, admin, raw, str(exc))
    label = f"« {name} »" if name else did
    if outcome.entry is None:
        return done(request, admin, f"Vous suivez déjà {label}.", "/admin/pairs")
    message = f"Vous suivez maintenant {label} : ses offres seront copiées dans un instant."
    return done(request, admin, message, "/admin/pairs")


async def unfollow(request: web.Request, admin: Admin) -> web.Response:
    """Ask to confirm (GET ?did=), then stop following (POST)."""
    app = request.app
    store, me = app[STORE], app[KEY].did
    source = request.query if admin.form is None else admin.form
    did = str(source.get("did", ""))
    followed = await asyncio.to_thread(peers.followed, store, me)
    if did not in followed:
        return done(request, admin, "Ce lieu n'est pas (ou plus) suivi.", "/admin/pairs")
    profile = await asyncio.to_thread(store.record, did, "profile", "profile")
    name = (profile.body or {}).get("name") if profile else None
    label = f"« {name} »" if isinstance(name, str) and name.strip() else followed[did] or did
    if admin.form is None:
        context = {
            "title": "Ne plus suivre ce lieu ?",
            "section": "pairs",
            "named": label,
            "did": did,
            "action": "/admin/pairs/ne-plus-suivre",
            "cancel": "/admin/pairs",
        }
        return page(request, admin, "admin/remove.html", context)
    try:
        await records.served(app[WRITER], follows.unfollow, app[SIGNER], did)
    except Refused as exc:
        return done(request, admin, str(exc), "/admin/pairs")
    return done(request, admin, f"Vous ne suivez plus {label}.", "/admin/pairs")
