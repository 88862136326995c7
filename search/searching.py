"""Answering one search on a :class:`~search.engine.View`: match, filter, facets, page, hits.

The matching set is computed without scores (text query AND exact filters, then the exact
haversine distance for a radius, from the 0.5° cells around the point); facets count over
that whole set; the matches are then scored (relevance) or ordered from per-document values
(distance, recent), and only the page's documents are read from the index.
"""

from __future__ import annotations

import heapq
import re
from typing import Any

import orjson
from whoosh import query as wq

from protocol import geography
from protocol import vocabulary as vocab
from search import bitsets
from search.analysis import fold
from search.documents import shown
from search.engine import View
from search.highlight import snippet
from search.model import Facet, Hit, Place, SearchParams, SearchResult
from search.query import filter_query, has_operators, haversine_km, text_query
from search.schema import PLACE_COLS, TEXT_FIELD
from search.trust import Trust, outside, ties

_WORD = re.compile(r"\w+", re.UNICODE)
FACETS = {"category": "category", "department": "department", "enjeu": "enjeux"}
#: Above this many matches, the distance of each is not computed unless asked for.
_DISTANCES_FOR_ALL = 20_000
#: The deepest result listed (page × per_page): nobody reads the 5,001st, and a crawler
#: walking every page of every query would have them all ranked. Deeper pages answer like
#: a page past the end (the total and the facets, no hits).
MAX_DEPTH = 5000


def _matching(view: View, text: wq.Query, filters: wq.Query | None, hidden: int) -> int:
    """The documents matching, without the listings claimed by a place's own profile and
    the ``hidden`` ones (the expired, see :func:`_hidden`)."""
    bits = view.evaluate(text) & ~view.claimed & ~hidden
    if filters is not None and bits:
        bits &= view.evaluate(filters)
    return bits


def _hidden(view: View, params: SearchParams) -> int:
    """The documents not listed by default: those past their last day (``search.expiry``),
    unless ``expired=1`` or no day is known."""
    if params.expired or params.today is None:
        return 0
    return view.expired(params.today.isoformat())


def run_search(view: View, params: SearchParams, trust: Trust | None = None) -> SearchResult:
    """``params`` on ``view``; ``trust``: the hops of the authors (``search.trust``), for
    ``max_hops``, ``reseau``, the hits' ``hops`` and the order of equal relevance."""
    trust = trust or Trust()
    schema = view.searcher.schema
    q = params.q.strip()
    text = text_query(schema, q) if q else wq.Every()
    filters = filter_query(params)
    hidden = _hidden(view, params) | outside(view, params.max_hops, params.reseau, trust)
    matched = _matching(view, text, filters, hidden)
    suggestion = None
    any_word = False
    if not matched and q:
        suggestion = _suggest(view, q, filters, hidden)
        if suggestion is None and not has_operators(q) and len(_WORD.findall(q)) > 1:
            text = text_query(schema, q, any_word=True)  # no page holds every word: any
            matched = _matching(view, text, filters, hidden)
            any_word = bool(matched)
    distances: dict[int, float] = {}
    if params.near is not None:
        lat, lon = params.near
        if params.radius_km is not None:
            candidates = view.near(matched, lat, lon, params.radius_km)
            distances = _distances(view, candidates, lat, lon, params.radius_km)
            matched = bitsets.from_ids(sorted(distances), view.size)
        elif params.sort == "distance" or matched.bit_count() <= _DISTANCES_FOR_ALL:
            distances = _distances(view, matched, lat, lon, None)
    start = (params.page - 1) * params.per_page
    terms = _scoring_terms(view, text)
    page_docs = _ordered(view, terms, matched, params, distances, start, trust)
    # after the page: the facets count per document the matches its ranking listed
    facets = {name: _facet(name, view.facet_counts(matched, f)) for name, f in FACETS.items()}
    if params.near is not None and not distances:
        distances = _distances(view, bitsets.from_ids(page_docs, view.size), *params.near, None)
    today = "" if params.today is None else params.today.isoformat()
    marked = set(terms)
    hits = [_hit(view.stored(d), distances.get(d), marked, today, trust) for d in page_docs]
    return SearchResult(
        matched.bit_count(), params.page, params.per_page, hits, facets, suggestion, any_word
    )


def _scoring_terms(view: View, text: wq.Query) -> list[str]:
    """The text terms a document is scored on: every word searched, not those excluded."""
    if isinstance(text, wq.Every):
        return []
    out: list[str] = []

    def walk(query: wq.Query) -> None:
        if isinstance(query, wq.Not):
            return
        if isinstance(query, wq.AndNot):
            walk(query.a)
            return
        if isinstance(query, wq.MultiTerm):
            try:
                query = query.simplify(view.searcher.reader())
            except Exception:
                return
        if isinstance(query, wq.Term):
            if query.fieldname == TEXT_FIELD:
                out.append(query.text)
            return
        if query.is_leaf():
            out.extend(t for f, t in query.iter_all_terms() if f == TEXT_FIELD)
            return
        for child in query.children():
            walk(child)

    walk(text)
    return out


def _distances(
    view: View, bits: int, lat: float, lon: float, radius: float | None
) -> dict[int, float]:
    """The distance of each document of ``bits`` with coordinates (within ``radius`` km)."""
    geo = view.values["geo"]
    out = {}
    for d in bitsets.to_ids(bits):
        point = geo[d]
        if point:
            km = haversine_km(lat, lon, point[0], point[1])
            if radius is None or km <= radius:
                out[d] = km
    return out


def _ordered(
    view: View,
    terms: list[str],
    matched: int,
    params: SearchParams,
    distances: dict[int, float],
    start: int,
    trust: Trust,
) -> list[int]:
    end = start + params.per_page
    if start >= matched.bit_count() or end > MAX_DEPTH:
        return []
    sort = params.sort
    if sort == "relevance" and not terms:
        sort = "distance" if params.near is not None else "recent"
    if sort == "relevance":
        return view.ranked(matched, terms, end, ties(trust, view.values["author"]))[start:end]
    docs = view.ids(matched)
    if sort == "distance":
        far = float("inf")
        return heapq.nsmallest(end, docs, key=lambda d: (distances.get(d, far), d))[start:end]
    if sort == "due":  # soonest first, then the records without a due date, newest first
        due, updated = view.values["due"], view.values["updated"]
        dated = [d for d in docs if due[d]]
        first = heapq.nsmallest(end, dated, key=lambda d: (due[d], d))
        if len(first) >= end:
            return first[start:end]
        undated = [d for d in docs if not due[d]]
        rest = heapq.nlargest(end - len(first), undated, key=lambda d: (updated[d] or "", -d))
        return (first + rest)[start:end]
    updated = view.values["updated"]
    return heapq.nlargest(end, docs, key=lambda d: (updated[d] or "", -d))[start:end]


def _facet(name: str, counts: dict[str, int]) -> list[Facet]:
    label = {
        "category": vocab.CATEGORIES.label,
        "enjeu": vocab.ENJEUX.label,
        "department": geography.department_label,
    }[name]
    return [
        Facet(code, label(code), count)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if code
    ]


def hit_url(author: str, col: str, rid: str) -> str:
    if col == "profile":
        return f"/lieux/{author}"
    return f"/lieux/{author}/{col}/{rid}"


def _hit(
    stored: dict[str, Any], distance: float | None, terms: set[str], today: str, trust: Trust
) -> Hit:
    author, col, rid = stored["author"], stored["col"], stored["rid"]
    body = orjson.loads(stored["body"]) if stored.get("body") else {}
    body = body if isinstance(body, dict) else {}
    title, description = shown(col, rid, body)
    text = description or ("" if col in PLACE_COLS else title)
    category = stored.get("category") or None
    return Hit(
        author=author,
        col=col,
        rid=rid,
        title=title,
        snippet=snippet(text, terms),
        place=Place(
            name=stored.get("place_name") or "",
            city=stored.get("city") or None,
            department=stored.get("department") or None,
            did=author,
        ),
        category=category,
        category_label=vocab.CATEGORIES.label(category) if category else None,
        distance_km=None if distance is None else round(distance, 2),
        url=hit_url(author, col, rid),
        updated=stored.get("updated") or None,
        valid_until=stored.get("valid_until") or None,
        expired=bool(today and stored.get("expires") and stored["expires"] < today),
        body=body,
        lat=stored.get("lat"),
        lon=stored.get("lon"),
        hops=trust.of(author),
    )


def _suggest(view: View, q: str, filters: wq.Query | None, hidden: int) -> str | None:
    """A corrected query, word by word, when it finds something; else None."""
    searcher = view.searcher
    reader = searcher.reader()
    words = _WORD.findall(q)[:10]
    changed = False
    out = []
    for word in words:
        folded = fold(word.lower())
        if len(folded) < 3 or folded.isdigit() or reader.doc_frequency("words", folded):
            out.append(word)
            continue
        found = view.correction(folded, maxdist=2)
        if found:
            changed = True
            out.append(found)
        else:
            out.append(word)
    if not changed:
        return None
    suggestion = " ".join(out)
    text = text_query(searcher.schema, suggestion)
    return suggestion if _matching(view, text, filters, hidden) else None
