"""What a place's page shows of the trust graph: a network's members, a member's networks.

A place whose profile has the family ``reseau`` presents itself as a network: its members
are the places it endorses (its ``endorse`` records held here), each listed with its town
and current offers, as this node holds them. Any place's page names who endorses it, among
the feeds this node holds: the networks as « Membre de : … », the other places as
« Recommandé par : … », each linked to its page here. Read from the store, on a thread.
"""

from __future__ import annotations

from typing import Any

from node.display import record_text as views
from node.federation import trust
from node.store.database import Store
from protocol import vocabulary as vocab
from search.expiry import is_expired
from search.stats import endorsed

NETWORK_FAMILY = "reseau"
#: Members listed on a network's page, and offers shown per member.
MAX_MEMBERS = 500
OFFERS_PER_MEMBER = 10


def is_network(body: Any) -> bool:
    """Whether a profile body presents a network (its families include ``reseau``)."""
    families = body.get("families") if isinstance(body, dict) else None
    return isinstance(families, list) and NETWORK_FAMILY in families


def _profile(store: Store, did: str) -> dict[str, Any] | None:
    record = store.record(did, "profile", "profile")
    return record.body if record is not None and isinstance(record.body, dict) else None


def members(store: Store, did: str, today: Any = None) -> list[dict[str, Any]]:
    """The members of the network ``did``: each place it endorses, with its current offers
    (those this node holds; a member not held yet is listed by its did), by name."""
    out = []
    for member in sorted(endorsed(store, did))[:MAX_MEMBERS]:
        body = _profile(store, member)
        place = views.place(member, body)
        offers = []
        for record in store.records("offer", author=member):
            if record.body and not (today and is_expired("offer", record.body, today)):
                offers.append(views.listing(member, "offer", record.rid, record.body))
        offers.sort(key=lambda item: item["title"].casefold())
        note = store.record(did, "endorse", member)
        scopes = (note.body or {}).get("scopes") if note is not None else None
        out.append(
            {
                "did": member,
                "url": f"/lieux/{member}",
                "name": place["given_name"] or member,
                "city": place["city"],
                "held": body is not None,
                "offers": offers[:OFFERS_PER_MEMBER],
                "more_offers": max(0, len(offers) - OFFERS_PER_MEMBER),
                "scopes": [vocab.scope_label(s) for s in views.texts(scopes)],
            }
        )
    return sorted(out, key=lambda m: (not m["held"], m["name"].casefold(), m["did"]))


def endorsers(store: Store, did: str) -> dict[str, list[dict[str, str]]]:
    """Who endorses ``did`` among the feeds held: ``networks`` (« Membre de ») and
    ``others`` (« Recommandé par »), each ``{"did", "name", "url"}``, by name."""
    found: dict[str, list[dict[str, str]]] = {"networks": [], "others": []}
    for author in trust.endorsers(store, did):
        body = _profile(store, author)
        name = views.text(body.get("name")) if body else ""
        item = {"did": author, "name": name or author, "url": f"/lieux/{author}"}
        found["networks" if is_network(body) else "others"].append(item)
    for items in found.values():
        items.sort(key=lambda item: (item["name"].casefold(), item["did"]))
    return found


def context(store: Store, did: str, today: Any = None) -> dict[str, Any]:
    """The place page's ``network`` (its members, when it is one) and ``endorsed_by``."""
    network = is_network(_profile(store, did))
    return {
        "network": {"members": members(store, did, today)} if network else None,
        "endorsed_by": endorsers(store, did),
    }
