"""The set of documents a query matches, as docnums, without scoring.

Terms are read a whole posting block at a time (a C-speed ``set.update`` per block instead
of a Python call per document), and AND/OR/NOT become set intersections, unions and
differences; anything else (phrases, fuzzy terms after expansion…) falls back to whoosh's
own ``Query.docs``. Deleted documents are never in the result.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

#: Expanding queries (prefix, range, fuzzy…) become an OR of their terms when they expand to
#: at most this many; beyond, whoosh answers them.
MAX_EXPANSION = 4096


def _leaf_ids(reader: Any, field: str, text: Any) -> set[int]:
    matcher = reader.postings(field, text)
    inner = getattr(matcher, "child", matcher)  # a FilterMatcher hiding deleted documents
    ids: set[int] = set()
    if hasattr(inner, "_read_ids") and hasattr(inner, "_next_block"):
        while inner.is_active():
            if inner._ids is None:
                inner._read_ids()
            ids.update(inner._ids)
            inner._next_block()
    else:
        ids.update(inner.all_ids())
    deleted = getattr(reader, "deleted_docs_set", None)
    if inner is not matcher or deleted:
        ids.difference_update(deleted or ())
    return ids


def term_docs(searcher: Searcher, field: str, text: Any) -> set[int]:
    """The documents holding the term ``field:text``."""
    out: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        try:
            if (field, text) not in reader:
                continue
        except Exception:  # a term the field cannot encode
            continue
        ids = _leaf_ids(reader, field, text)
        out.update(ids if not offset else {d + offset for d in ids})
    return out


def all_docs(searcher: Searcher) -> set[int]:
    return set(searcher.reader().all_doc_ids())


def query_docs(searcher: Searcher, query: wq.Query) -> set[int]:
    """The documents matching ``query``."""
    if isinstance(query, wq.Term):
        return term_docs(searcher, query.fieldname, query.text)
    if isinstance(query, wq.Every):
        return all_docs(searcher)
    if isinstance(query, wq.NullQuery.__class__):
        return set()
    if isinstance(query, wq.Not):
        return all_docs(searcher) - query_docs(searcher, query.query)
    if isinstance(query, wq.AndNot):
        return query_docs(searcher, query.a) - query_docs(searcher, query.b)
    if type(query) is wq.And:
        return _and(searcher, query.subqueries)
    if type(query) is wq.Or and not getattr(query, "minmatch", 0):
        out: set[int] = set()
        for sub in query.subqueries:
            out |= query_docs(searcher, sub)
        return out
    if isinstance(query, wq.MultiTerm | wq.NumericRange | wq.TermRange):
        terms = _expand(searcher, query)
        if terms is not None:
            return query_docs(searcher, terms)
    return set(query.docs(searcher))


def _and(searcher: Searcher, subqueries: list[wq.Query]) -> set[int]:
    positive = [q for q in subqueries if not isinstance(q, wq.Not)]
    negative = [q.query for q in subqueries if isinstance(q, wq.Not)]
    if not positive:
        found = all_docs(searcher)
    else:
        found = None
        for sub in positive:
            docs = query_docs(searcher, sub)
            found = docs if found is None else found & docs
            if not found:
                return set()
    for sub in negative:
        found -= query_docs(searcher, sub)
    return found


def _expand(searcher: Searcher, query: wq.Query) -> wq.Query | None:
    try:
        simple = query.simplify(searcher.reader())
    except Exception:
        return None
    if isinstance(simple, wq.NullQuery.__class__):
        return simple
    leaves = list(simple.leaves()) if type(simple) is wq.Or else [simple]
    if len(leaves) <= MAX_EXPANSION and all(type(q) is wq.Term for q in leaves):
        return simple
    return None
