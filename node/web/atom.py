"""Atom feeds (RFC 4287) of search results and of a place, and the OpenSearch description.

Both feeds are paged (RFC 5005 §3, paged feeds): each page links to the ``first``, the
``previous`` and ``next`` ones and the ``last``; a reader follows ``next`` to the end. Every
entry has a French summary (:func:`summary`), even a record that gives nothing but a title.

XML is built with :mod:`xml.etree.ElementTree`, which escapes every text and attribute:
peer text is never concatenated into markup.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ATOM = "application/atom+xml"
OPENSEARCH = "application/opensearchdescription+xml"


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    author: str,
    entries: list[dict[str, Any]],
    subtitle: str = "",
    pages: dict[str, str] | None = None,
) -> bytes:
    """An Atom feed; each entry has ``url`` (absolute), ``title``, ``updated``, ``summary``
    and optionally ``category``; ``pages`` maps RFC 5005 relations (first, previous, next,
    last) to the URLs of the other pages."""
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "fr"})
    _sub(root, "id", feed_id)
    _sub(root, "title", title)
    if subtitle:
        _sub(root, "subtitle", subtitle)
    updated = max((e["updated"] for e in entries if e.get("updated")), default=None)
    _sub(root, "updated", updated or now())
    _sub(root, "link", rel="self", type=ATOM, href=self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=html_url)
    for rel, href in (pages or {}).items():
        _sub(root, "link", rel=rel, type=ATOM, href=href)
    _sub(_sub(root, "author"), "name", author)
    _sub(root, "generator", "Maillage")
    for item in entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", item["url"])
        _sub(entry, "title", item["title"])
        _sub(entry, "updated", item.get("updated") or updated or now())
        _sub(entry, "link", rel="alternate", type="text/html", href=item["url"])
        if item.get("category"):
            _sub(entry, "category", term=item["category"], label=item.get("category_label", ""))
        if item.get("summary"):
            _sub(entry, "summary", item["summary"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def page_links(url: Any, page: int, pages: int) -> dict[str, str]:
    """The RFC 5005 links of page ``page`` of ``pages``; ``url(n)`` is the URL of page n."""
    links = {"first": url(1)}
    if page > 1:
        links["previous"] = url(min(page - 1, pages))
    if page < pages:
        links["next"] = url(page + 1)
    links["last"] = url(pages)
    return links


#: Characters of a description quoted in a summary (cut at a word, with an ellipsis).
DESCRIPTION_CHARS = 280


def summary(item: dict[str, Any], *, place: str = "", city: str = "", excerpt: str = "") -> str:
    """The French summary of an entry for a feed reader, never empty: what it is and its
    category, where, the conditions, a need's quantity, urgency and due date, how long it
    stands, then ``excerpt`` (a search's snippet) or the start of the description."""
    head = item["col_label"] + (f" ({item['category_label']})" if item["category_label"] else "")
    parts = [head, ", ".join(x for x in (place, city) if x), *item["short"]]
    if item.get("quantity"):
        parts.append(f"Quantité : {item['quantity']}")
    if item.get("urgency"):
        parts.append(f"Urgence : {item['urgency']}")
    if item.get("due_date"):
        parts.append(f"Pour le {item['due_date']}")
    if item.get("valid_until"):
        parts.append(f"Valable jusqu'au {item['valid_until']}")
    parts.append(excerpt or _cut(item.get("description") or ""))
    return " — ".join(x for x in parts if x)


def record_entry(
    base: str, item: dict[str, Any], title: str, place: str, city: str
) -> dict[str, Any]:
    """The :func:`feed` entry of an offer or a need (``item``: a ``record_text.listing``
    view with its ``url`` and ``updated``), titled ``title``, its summary naming the place."""
    return {
        "url": base + item["url"],
        "title": title,
        "updated": item["updated"],
        "summary": summary(item, place=place, city=city),
        "category": item["category"],
        "category_label": item["category_label"],
    }


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


#: The example search of the OpenSearch description (what a browser may offer to try).
EXAMPLE_QUERY = "découpe laser"


def opensearch(base: str, name: str) -> bytes:
    """The OpenSearch 1.1 description: the browser can add this node's search box."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH_NS})

    def sub(tag: str, text: str | None = None, **attrs: str) -> None:
        element = ET.SubElement(root, tag, attrs)
        if text is not None:
            element.text = text

    sub("ShortName", "Maillage")
    sub("Description", f"Tiers-lieux : qui fait quoi, où, à quelles conditions ({name})"[:1024])
    sub("Url", type="text/html", template=f"{base}/?q={{searchTerms}}")
    sub("Url", type=ATOM, template=f"{base}/search.atom?q={{searchTerms}}")
    sub("Url", type=OPENSEARCH, rel="self", template=f"{base}/opensearch.xml")
    sub("Query", role="example", searchTerms=EXAMPLE_QUERY)
    sub("InputEncoding", "UTF-8")
    sub("OutputEncoding", "UTF-8")
    sub("Language", "fr-fr")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
