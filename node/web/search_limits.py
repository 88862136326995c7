"""What one search may cost: small named rules over parsed :class:`SearchParams`.

A search that asks for more than a node should do for one visitor is refused with a 400
``bad-parameter`` naming the parameter, in French, before anything is searched: results
beyond :data:`MAX_DEPTH` (``page`` × ``per_page``: nobody reads the 5,001st result, and a
crawler walking every page of every query would get them all rendered), a wildcard with
fewer than :data:`MIN_PREFIX` letters before it (``a*`` names half the vocabulary; a lone
``*`` is everything, which is cheap), and more
than :data:`MAX_EXPANDING` expanding terms (``*``, ``?``, ``~``) in one query.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from node.api_errors import bad_parameter
from search.model import SearchParams

#: The deepest result served (page × per_page).
MAX_DEPTH = 5000
#: Letters a wildcard term must start with.
MIN_PREFIX = 2
#: Wildcard and fuzzy terms in one query.
MAX_EXPANDING = 4

_EXPANDING = re.compile(r"[^\s\"()]*[*?~][^\s\"()]*")
_WILDCARD = re.compile(r"[*?]")


def depth(params: SearchParams) -> None:
    if params.page * params.per_page > MAX_DEPTH:
        raise bad_parameter(
            f"page : les résultats au-delà du {MAX_DEPTH:_}e ne sont pas servis (page "
            f"{params.page} de {params.per_page}) ; précisez la recherche".replace("_", " ")
        )


def wildcard_prefix(params: SearchParams) -> None:
    for term in _EXPANDING.findall(params.q):
        start = _WILDCARD.search(term)
        head = term[: start.start()] if start else term
        if start and term.lstrip("+-") != "*" and len(head.lstrip("+-")) < MIN_PREFIX:
            raise bad_parameter(
                f"q : « {term} » désigne trop de mots ; mettez au moins {MIN_PREFIX} lettres "
                "avant * ou ?"
            )


def expanding_terms(params: SearchParams) -> None:
    found = _EXPANDING.findall(params.q)
    if len(found) > MAX_EXPANDING:
        raise bad_parameter(
            f"q : {len(found)} termes avec *, ? ou ~ ; {MAX_EXPANDING} au plus par recherche"
        )


RULES: tuple[Callable[[SearchParams], None], ...] = (depth, wildcard_prefix, expanding_terms)


def check(params: SearchParams) -> None:
    """Raise the 400 (``ApiError``) of the first rule ``params`` break."""
    for rule in RULES:
        rule(params)
