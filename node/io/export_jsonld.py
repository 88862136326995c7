"""The JSON-LD export (``maillage export --format jsonld``): one schema.org graph of every
record held, built with the pages' own builders (:mod:`node.display.jsonld`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from node.display import identity, jsonld
from node.display import record_text as views
from node.io.export import Export, Item, page_path

_LD_COLS = frozenset({"profile", "listing", "offer", "need", "follow"})


def jsonld_document(export: Export) -> dict[str, Any]:
    """One schema.org JSON-LD document: ``{"@context": …, "@graph": [...]}``.

    Profiles and listings are LocalBusinesses when they have an address, else Organizations,
    offers Offers, needs Demands (the builders of the pages, :mod:`node.display.jsonld`),
    follows FollowActions between places. A place's did is its ``identifier``, never its
    name; ``sameAs`` names its page on its own node (:mod:`node.display.identity`).
    Records of other collections have no schema.org counterpart and are left out (see
    :func:`jsonld_left_out`).
    """
    base = export.base
    owned: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in export.items:
        record = item.record
        if record.col in ("offer", "need"):
            view = views.listing(record.author, record.col, record.rid, record.body)
            owned.setdefault((record.author, record.col), []).append(view)
    graph = []
    for item in export.items:
        node = _ld_node(item, export.places, owned, base)
        if node is not None:
            node.pop("@context", None)
            graph.append(node)
    return {"@context": jsonld.CONTEXT, "@graph": graph}


def jsonld_left_out(export: Export) -> Counter[str]:
    """Per collection, the exported records without a schema.org counterpart."""
    return Counter(i.record.col for i in export.items if i.record.col not in _LD_COLS)


def _ld_node(
    item: Item,
    places: dict[str, dict[str, Any]],
    owned: dict[tuple[str, str], list[dict[str, Any]]],
    base: str,
) -> dict[str, Any] | None:
    record = item.record
    author = record.author
    if record.col == "profile":
        view = views.place(author, record.body)
        offers, needs = owned.get((author, "offer"), []), owned.get((author, "need"), [])
        return jsonld.place(view, base, offers, needs)
    if record.col == "listing":
        listed = {**views.place(author, record.body), "url": page_path(record)}
        publisher = views.place(author, places.get(author))
        return jsonld.place(identity.listed(listed, publisher), base)
    if record.col in ("offer", "need"):
        item_view = views.listing(author, record.col, record.rid, record.body)
        owner = views.place(author, places.get(author))
        return jsonld.listing(item_view, record.body or {}, owner, base)
    if record.col == "follow":
        body = record.body or {}
        followee = {
            "@type": "Organization",
            "@id": f"{base}/lieux/{record.rid}",
            "name": views.text(body.get("name")) or None,
            "url": views.safe_url(body.get("url")),
            "identifier": jsonld.did_identifier(record.rid),
        }
        return {
            "@type": "FollowAction",
            "@id": f"{base}/lieux/{author}#suivi-{record.rid}",
            "agent": jsonld.party(views.place(author, places.get(author)), base),
            "followee": {k: v for k, v in followee.items() if v is not None},
        }
    return None


def jsonld_chunks(export: Export) -> Iterator[bytes]:
    """The JSON-LD document, one graph node per line."""
    document = jsonld_document(export)
    yield b'{"@context":' + orjson.dumps(document["@context"]) + b',"@graph":['
    for number, node in enumerate(document["@graph"]):
        yield (b",\n" if number else b"\n") + orjson.dumps(node)
    yield b"\n]}\n"
