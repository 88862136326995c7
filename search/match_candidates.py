"""Gathering what :func:`search.matching.rank` compares, from one view of the index.

For a need: the offers of its category, then of its group, then the offers, profiles and
listings holding any of its words (best first by the index's BM25), :data:`MAX_CANDIDATES`
at most, so that a web request reads a bounded number of stored documents (their ``body``,
coordinates, place name, town and department are stored in the index). The reverse, for an
offer: the needs of its category or group, then those holding any of its words, as many.
Listings claimed by a place's own profile are left out, as search does. Callers hold the
index's search lock (``SearchIndex.match``, ``SearchIndex.needs_for_offer``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
from whoosh import query as wq

from search import bitsets
from search import match_terms as mt
from search.claims import SEPARATOR
from search.engine import View
from search.matching import Candidate, Match, Need, Served, Spot, needs_for, rank
from search.schema import TEXT_FIELD, doc_key
from search.trust import Trust

#: The most stored documents one match reads (a web request answers in milliseconds).
MAX_CANDIDATES = 500
CANDIDATE_COLS = ("offer", "profile", "listing")


def _doc(view: View, author: str, col: str, rid: str) -> int | None:
    bits = view.term_bits("key", doc_key(author, col, rid)) & view.live
    ids = bitsets.to_ids(bits)
    return ids[0] if ids else None


def _stored(view: View, d: int) -> dict[str, Any]:
    stored = view.searcher.stored_fields(d)
    try:
        body = orjson.loads(stored.get("body") or b"{}")
    except orjson.JSONDecodeError:
        body = {}
    stored["body"] = body if isinstance(body, dict) else {}
    return stored


def _spot(stored: dict[str, Any]) -> Spot:
    lat, lon = stored.get("lat"), stored.get("lon")
    located = isinstance(lat, float) and isinstance(lon, float)
    return Spot(
        name=stored.get("place_name") or "",
        city=stored.get("city") or "",
        department=stored.get("department") or "",
        lat=lat if located else None,
        lon=lon if located else None,
    )


def find_need(view: View, author: str, rid: str) -> Need | None:
    """The need ``rid`` of ``author`` as the index holds it (None: no such need here)."""
    d = _doc(view, author, "need", rid)
    if d is None:
        return None
    stored = _stored(view, d)
    return Need(author, rid, stored["body"], _spot(stored))


def _category_bits(view: View, category: str, col: str) -> tuple[int, int]:
    """The documents of ``col`` with this very category, and those of its group only."""
    if not category:
        return 0, 0
    masks = view.masks["category"]
    of_col = view.masks["col"].get(col, 0) & view.live
    group = category.split(".", 1)[0] + "."
    same = masks.get(category, 0) & of_col
    related = 0
    for code, bits in masks.items():
        if code != category and code.startswith(group):
            related |= bits
    return same, related & of_col & ~same


def _word_docs(view: View, words: Iterable[str], cols: Iterable[str], count: int) -> list[int]:
    """The best ``count`` documents of ``cols`` holding any of ``words`` (index stems)."""
    terms = list(dict.fromkeys(words))
    if not terms or count <= 0:
        return []
    allowed = 0
    for col in cols:
        allowed |= view.masks["col"].get(col, 0)
    bits = view.evaluate(wq.Or([wq.Term(TEXT_FIELD, t) for t in terms])) & allowed
    return view.ranked(bits & ~view.claimed, terms, count)


def _gather(view: View, category: str, words: Iterable[str], col: str, cols) -> list[int]:
    same, related = _category_bits(view, category, col)
    chosen = dict.fromkeys(bitsets.to_ids(same)[:MAX_CANDIDATES])
    chosen.update(dict.fromkeys(bitsets.to_ids(related)[: MAX_CANDIDATES - len(chosen)]))
    for d in _word_docs(view, words, cols, MAX_CANDIDATES):
        if len(chosen) >= MAX_CANDIDATES:
            break
        chosen.setdefault(d)
    return list(chosen)


class _Statuses:
    """The ``status`` of each author's profile, read once per author. Each profile's
    document is found from the ``claim`` column (it ends with the author: one pass over the
    profiles' column values, rather than a key lookup in every segment per author)."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.known: dict[str, str] = {}
        claims = view.values["claim"]
        profiles = bitsets.to_ids(view.masks["col"].get("profile", 0) & view.live)
        self.docs = {(claims[d] or "").rpartition(SEPARATOR)[2]: d for d in profiles}

    def __call__(self, author: str) -> str:
        if author not in self.known:
            d = self.docs.get(author)
            body = _stored(self.view, d)["body"] if d is not None else {}
            self.known[author] = mt.text(body.get("status"), 64)
        return self.known[author]


def _candidate(view: View, d: int, status: _Statuses) -> Candidate:
    stored = _stored(view, d)
    col, author = stored["col"], stored["author"]
    body = stored["body"]
    own = mt.text(body.get("status"), 64) if col == "listing" else status(author)
    return Candidate(author, col, stored["rid"], body, _spot(stored), status=own)


def match_need(
    view: View,
    need: Need,
    *,
    today: datetime.date,
    inactive: frozenset[str] | set[str],
    include_expired: bool,
    trust: Trust | None = None,
) -> list[Match]:
    """The ranked matches of ``need`` among the documents of ``view`` (``trust``: the hops
    of their authors, ``search.trust``)."""
    words = mt.need_terms(need.body)
    category = mt.text(need.body.get("category"), 64)
    docs = _gather(view, category, words, "offer", CANDIDATE_COLS)
    status = _Statuses(view)
    candidates = [trusted(_candidate(view, d, status), trust) for d in docs]
    return rank(need, candidates, today=today, inactive=inactive, include_expired=include_expired)


def trusted(candidate: Candidate, trust: Trust | None) -> Candidate:
    """``candidate`` with its trust distance and whether this node endorses it."""
    if trust is None:
        return candidate
    author = candidate.author
    return replace(candidate, hops=trust.of(author), endorsed=author in trust.endorsed)


def needs_of_offer(
    view: View,
    author: str,
    rid: str,
    *,
    today: datetime.date,
    inactive: frozenset[str] | set[str],
) -> list[Served] | None:
    """The open needs the offer ``rid`` of ``author`` could serve (None: no such offer)."""
    d = _doc(view, author, "offer", rid)
    if d is None:
        return None
    offer = _candidate(view, d, _Statuses(view))
    terms = list(mt.need_terms(offer.body))  # its title and tags first, bounded
    category = mt.text(offer.body.get("category"), 64)
    docs = _gather(view, category, terms, "need", ("need",))
    needs = []
    for n in docs:
        stored = _stored(view, n)
        needs.append(Need(stored["author"], stored["rid"], stored["body"], _spot(stored)))
    return needs_for(offer, needs, today=today, inactive=inactive)
