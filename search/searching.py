"""Answering one search on an open searcher: match, filter, facets, sort, page, hits.

The matching set is computed without scores (text query AND exact filters, then the exact
haversine distance for a radius); facets count over that whole set; only the page's
documents are scored (relevance) or sorted from column values (distance, recent).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from typing import Any

import orjson
from whoosh import query as wq
from whoosh.searching import Searcher

from protocol import vocabulary as vocab
from search.analysis import fold
from search.matching import query_docs
from search.model import Facet, Hit, Place, SearchParams, SearchResult
from search.query import (
    Columns,
    bounding_box,
    filter_query,
    has_operators,
    haversine_km,
    snippet,
    text_query,
)
from search.schema import PLACE_COLS, TEXT_FIELD

_WORD = re.compile(r"\w+", re.UNICODE)


def _matching(searcher: Searcher, text: wq.Query, filters: wq.Query | None) -> set[int]:
    if filters is None:
        return query_docs(searcher, text)
    if isinstance(text, wq.Every):
        return query_docs(searcher, filters)
    return query_docs(searcher, wq.And([filters, text]))


def run_search(searcher: Searcher, columns: Columns, params: SearchParams) -> SearchResult:
    schema = searcher.schema
    q = params.q.strip()
    text = text_query(schema, q) if q else wq.Every()
    filters = filter_query(params)
    matched = _matching(searcher, text, filters)
    suggestion = None
    if not matched and q:
        suggestion = _suggest(searcher, q, filters)
        if suggestion is None and not has_operators(q) and len(_WORD.findall(q)) > 1:
            text = text_query(schema, q, any_word=True)  # no page holds every word: any
            matched = _matching(searcher, text, filters)
    values = columns.values
    distances: dict[int, float] = {}
    if params.near is not None:
        distances = _distances(matched, values["geo"], params.near, params.radius_km)
        if params.radius_km is not None:
            matched = set(distances)
    facets = _facets(matched, values)
    start = (params.page - 1) * params.per_page
    page_docs = _ordered(searcher, text, matched, params, distances, values, start)
    terms = {t for field, t in text.iter_all_terms() if field == TEXT_FIELD}
    hits = [_hit(searcher.stored_fields(d), distances.get(d), terms) for d in page_docs]
    return SearchResult(len(matched), params.page, params.per_page, hits, facets, suggestion)


def _distances(
    docs: set[int], geo: list[Any], near: tuple[float, float], radius: float | None
) -> dict[int, float]:
    """The distance of each of ``docs`` with coordinates (within ``radius`` km if given)."""
    lat, lon = near
    located = [(d, geo[d]) for d in docs if geo[d]]
    if radius is None:
        return {d: haversine_km(lat, lon, p[0], p[1]) for d, p in located}
    low_lat, high_lat, low_lon, high_lon = bounding_box(lat, lon, radius)
    out = {}
    for d, (plat, plon) in located:
        if low_lat <= plat <= high_lat and (
            low_lon <= plon <= high_lon or low_lon <= plon - 360 or plon + 360 <= high_lon
        ):
            km = haversine_km(lat, lon, plat, plon)
            if km <= radius:
                out[d] = km
    return out


def _ordered(
    searcher: Searcher,
    text: wq.Query,
    matched: set[int],
    params: SearchParams,
    distances: dict[int, float],
    values: dict[str, list[Any]],
    start: int,
) -> list[int]:
    end = start + params.per_page
    if start >= len(matched):
        return []
    sort = params.sort
    if sort == "relevance" and isinstance(text, wq.Every):
        sort = "distance" if params.near is not None else "recent"
    if sort == "relevance":
        unfiltered = params.near is None and filter_query(params) is None
        found = searcher.search(text, filter=None if unfiltered else matched, limit=end)
        return [hit.docnum for hit in found][start:end]
    if sort == "distance":
        far = float("inf")
        return sorted(matched, key=lambda d: (distances.get(d, far), d))[start:end]
    updated = values["updated"]
    return sorted(matched, key=lambda d: (updated[d] or "", -d), reverse=True)[start:end]


def _facets(matched: set[int], values: dict[str, list[Any]]) -> dict[str, list[Facet]]:
    counts = {
        "category": Counter(map(values["category"].__getitem__, matched)),
        "department": Counter(map(values["department"].__getitem__, matched)),
        "enjeu": Counter(chain.from_iterable(map(values["enjeu_codes"].__getitem__, matched))),
    }
    labels = {"category": vocab.CATEGORIES.label, "department": str, "enjeu": vocab.ENJEUX.label}
    return {
        name: [
            Facet(code, labels[name](code), count)
            for code, count in sorted(
                ((c, n) for c, n in counter.items() if c), key=lambda item: (-item[1], item[0])
            )
        ]
        for name, counter in counts.items()
    }


def hit_url(author: str, col: str, rid: str) -> str:
    if col in PLACE_COLS:
        return f"/lieux/{author}"
    return f"/lieux/{author}/{col}/{rid}"


def _hit(stored: dict[str, Any], distance: float | None, terms: set[str]) -> Hit:
    author, col, rid = stored["author"], stored["col"], stored["rid"]
    text = stored.get("description") or stored.get("title") or ""
    return Hit(
        author=author,
        col=col,
        rid=rid,
        title=stored.get("title") or rid,
        snippet=snippet(text, terms),
        place=Place(
            name=stored.get("place_name") or "",
            city=stored.get("city") or None,
            department=stored.get("department") or None,
            did=author,
        ),
        category=stored.get("category") or None,
        category_label=stored.get("category_label") or None,
        distance_km=None if distance is None else round(distance, 2),
        url=hit_url(author, col, rid),
        updated=stored.get("updated") or None,
        valid_until=stored.get("valid_until") or None,
        body=orjson.loads(stored["body"]) if stored.get("body") else {},
    )


def _suggest(searcher: Searcher, q: str, filters: wq.Query | None) -> str | None:
    """A corrected query, word by word, when it finds something; else None."""
    corrector = searcher.corrector("words")
    reader = searcher.reader()
    words = _WORD.findall(q)[:10]
    changed = False
    out = []
    for word in words:
        folded = fold(word.lower())
        if len(folded) < 3 or folded.isdigit() or reader.doc_frequency("words", folded):
            out.append(word)
            continue
        found = corrector.suggest(folded, limit=1, maxdist=2)
        if found:
            changed = True
            out.append(found[0])
        else:
            out.append(word)
    if not changed:
        return None
    suggestion = " ".join(out)
    text = text_query(searcher.schema, suggestion)
    return suggestion if _matching(searcher, text, filters) else None
