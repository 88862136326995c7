"""``GET /api/match?author=DID&rid=RID``: who may serve a need this node holds, best first.

A thin handler: the parameters are read with the rules of :data:`MATCH_PARAMS` (also
written in ``/api/openapi.json``), the ranking is ``SearchIndex.match`` (gathered by
``search.match_candidates``, ranked by the pure ``search.matching.rank``), run on the
search threads under admission, and the JSON is :func:`match_json` (which ``maillage
match --json`` prints too). The route is cached per index generation like the search.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.api_errors import ApiError, bad_parameter, index_not_ready, json_response
from node.appkeys import SEARCH, STORE
from node.federation import peers
from node.federation.api_params import DID_PATTERN
from node.store.database import Store
from node.web.admission import run_search
from node.web.trust_cache import local_trust
from protocol import vocabulary as vocab
from search.index import IndexNotReady
from search.matching import Match, Need, Spot
from search.params import Param, ParamError, single
from search.searching import hit_url

MAX_PER_PAGE = 100
RID_PATTERN = "[A-Za-z0-9._:-]{1,128}"
MATCH_PARAMS: tuple[Param, ...] = (
    Param("author", "Auteur du besoin : son did:key Ed25519", required=True,
          pattern=DID_PATTERN,
          expected="attendu le did:key Ed25519 de l'auteur du besoin (did:key:z6Mk…)"),
    Param("rid", "Identifiant du besoin dans le flux de son auteur", required=True,
          pattern=RID_PATTERN, example="visieres",
          expected="identifiant invalide : de 1 à 128 lettres, chiffres, « . _ : - »"),
    Param("expired", "1 : proposer aussi les offres expirées", enum=("0", "1"), default="0"),
    Param("page", "Page", type="integer", minimum=1, maximum=10_000, default=1),
    Param("per_page", "Propositions par page", type="integer", minimum=1,
          maximum=MAX_PER_PAGE, default=10),
)  # fmt: skip
PARAMS = {param.name: param for param in MATCH_PARAMS}


@dataclass(frozen=True)
class MatchQuery:
    author: str
    rid: str
    include_expired: bool = False
    page: int = 1
    per_page: int = 10


def parse_match(query: Mapping[str, Any]) -> MatchQuery:
    """The parameters of a match request; ParamError (French) for a missing or bad one."""
    values: dict[str, Any] = {}
    for param in MATCH_PARAMS:
        getall = getattr(query, "getall", None)
        raw = single(getall(param.name, []) if getall else _listed(query, param.name), param)
        if raw is None:
            if param.required:
                raise ParamError(param.name, "paramètre obligatoire")
            values[param.name] = param.default
        else:
            values[param.name] = param.read(raw)
    return MatchQuery(
        values["author"],
        values["rid"],
        values["expired"] == "1",
        values["page"],
        values["per_page"],
    )


def _listed(query: Mapping[str, Any], name: str) -> list[str]:
    return [query[name]] if name in query else []


def inactive_authors(store: Store) -> set[str]:
    """The authors the node says « inactif ? » (ranked lower, with a reason)."""
    return peers.inactive_places(store, today())


def today() -> datetime.date:
    """The one reading of the clock of the match routes (UTC)."""
    return datetime.datetime.now(datetime.UTC).date()


async def handle_match(request: web.Request) -> web.Response:
    try:
        query = parse_match(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    inactive = inactive_authors(request.app[STORE])
    index = request.app[SEARCH]
    work = functools.partial(
        index.match,
        query.author,
        query.rid,
        today=today(),
        inactive=inactive,
        include_expired=query.include_expired,
        trust=await local_trust(request),
    )
    try:
        found = await run_search(request, work)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None
    if found is None:
        raise unknown_need()
    need, matches = found
    return json_response(match_json(need, matches, query.page, query.per_page))


def unknown_need() -> ApiError:
    return ApiError(
        404,
        "unknown-need",
        "Ce nœud ne détient pas ce besoin : vérifiez l'auteur et l'identifiant (ce doit être "
        "un besoin, pas une offre ni un lieu).",
    )


def place_json(place: Spot) -> dict[str, Any]:
    return {"name": place.name, "city": place.city or None, "department": place.department or None}


def need_json(need: Need) -> dict[str, Any]:
    body = need.body

    def member(name: str, kind: type) -> Any:
        value = body.get(name)
        return value if type(value) is kind else None

    category = member("category", str)
    urgency = member("urgency", str)
    return {
        "author": need.author,
        "rid": need.rid,
        "title": need.title,
        "url": hit_url(need.author, "need", need.rid),
        "place": place_json(need.place),
        "category": category,
        "category_label": vocab.CATEGORIES.label(category) if category else None,
        "quantity": member("quantity", int),
        "unit": member("unit", str),
        "due_date": member("due_date", str),
        "urgency": urgency,
        "urgency_label": vocab.URGENCIES.label(urgency) if urgency else None,
    }


def one_match_json(match: Match) -> dict[str, Any]:
    return {
        "author": match.author,
        "col": match.col,
        "rid": match.rid,
        "title": match.title,
        "place": place_json(match.place),
        "url": match.url,
        "score": match.score,
        "distance_km": match.distance_km,
        "covers": match.covers,
        "in_time": match.in_time,
        "mobilisable": match.mobilisable,
        "reasons": list(match.reasons),
        "hops": match.hops,
    }


def match_json(need: Need, matches: list[Match], page: int, per_page: int) -> dict[str, Any]:
    """The answer of ``/api/match`` (and of ``maillage match --json``)."""
    start = (page - 1) * per_page
    return {
        "need": need_json(need),
        "matches": [one_match_json(m) for m in matches[start : start + per_page]],
        "total": len(matches),
        "page": page,
        "per_page": per_page,
    }
