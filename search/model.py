"""The shapes shared by the index, the JSON API, the pages and the feeds of search results.

``parse_params`` turns query-string parameters into :class:`SearchParams` with the rules of
:data:`SEARCH_PARAMS` (``search.params``) or raises :class:`ParamError` naming the parameter in
French; :meth:`SearchIndex.search` (in
``search.index``) answers a :class:`SearchResult`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from search.params import NO_CONTROLS, Param, ParamError  # noqa: F401 - ParamError: re-exported

Sort = Literal["relevance", "distance", "recent", "due"]
#: « due » (« échéance »): the needs' due dates, soonest first; records without one last.
SORTS: tuple[str, ...] = ("relevance", "distance", "recent", "due")
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
#: The end of a search that names where: « … près de Périgueux », « autour de Nontron »
#: (search.towns reads the town; a radius may then be given without near).
NEAR_PHRASE = re.compile(
    r"(?:^|\s)(?:tout\s+)?(?:près|pres|proche|autour|à\s+proximité|a\s+proximite"
    r"|aux\s+alentours|alentours|aux\s+environs|environs)"
    r"\s+(?:de\s+la\s+|de\s+l['’]\s*|de\s+|d['’]\s*|du\s+|des\s+)?(?P<rest>\S.*)$",
    re.IGNORECASE,
)

_CODE = "|[a-z0-9][a-z0-9.-]{0,63}"
_LAT = r"-?(?:90(?:\.0{1,10})?|[1-8]?[0-9](?:\.[0-9]{1,10})?)"
_LON = r"-?(?:180(?:\.0{1,10})?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]{1,10})?)"
#: A town's name (no digit, no control character), or « latitude,longitude » in degrees.
_NEAR = f" *{_LAT} *, *{_LON} *|[^0-9\\u0000-\\u001f\\u007f-\\u009f]{{0,100}}"
#: A positive distance in km, below 10,000, with at most three decimals (not 0, not 030).
_RADIUS = r"|[1-9][0-9]{0,3}(?:\.[0-9]{1,3})?|0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9])"
_PLACE = "(une commune, ou un point) ; sans lui, il est ignoré"
#: A did:key of Ed25519 (``node.federation.api_params.DID_PATTERN``: search imports no node).
_DID = "did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}"
#: The largest ``max_hops`` asked (further: ask without it).
MAX_HOPS = 20

#: The parameters of a search (``/api/search``, the search page, its Atom feed), read by
#: :func:`parse_params` and described by ``node/web/openapi.py``. An empty value is absent.
SEARCH_PARAMS: tuple[Param, ...] = (
    Param("q", "Texte libre : mots, phrases entre guillemets ; « près de <commune> » à la "
          "fin cherche autour de cette commune", pattern=f"{NO_CONTROLS}*",
          max_length=MAX_QUERY_CHARS, example="découpe laser"),
    Param("col", "Type d'enregistrement : offer, need, profile, listing…", pattern=_CODE,
          max_length=64, example="offer", expected="valeur invalide (par exemple offer)"),
    Param("category", "Catégorie du socle commun", pattern=_CODE, max_length=64,
          example="production.prototypage",
          expected="valeur invalide (par exemple production.prototypage)"),
    Param("enjeu", "Enjeu territorial", pattern=_CODE, max_length=64,
          example="transition-ecologique",
          expected="valeur invalide (par exemple transition-ecologique)"),
    Param("department", "Code de département", pattern="|[0-9]{2,3}|2[AB]", example="24",
          expected="valeur invalide (par exemple 24, 2A ou 974)"),
    Param("region", "Code de région", pattern="|[0-9]{2}", example="75",
          expected="valeur invalide (par exemple 75)"),
    Param("near", "Autour de quel lieu : « latitude,longitude » en degrés, ou le nom d'une "
          "commune où ce nœud connaît des lieux", pattern=_NEAR, max_length=100,
          example="45.18,0.72",
          expected="attendu une commune ou « latitude,longitude » (latitude entre -90 et 90, "
          "longitude entre -180 et 180), par exemple 45.18,0.72"),
    Param("radius_km", f"Rayon en km autour de near {_PLACE}", pattern=_RADIUS,
          max_length=8, example="30", expected="distance en km attendue, par exemple 30"),
    Param("sort", f"Ordre ; distance demande near {_PLACE} ; due : échéance des besoins, "
          "la plus proche d'abord (sans échéance à la fin)", enum=SORTS,
          example="relevance", default="relevance"),
    Param("expired", "1 : inclure les offres et besoins expirés (date de validité ou "
          "échéance passée), cachés sinon", pattern="|0|1", max_length=1, example="1",
          expected="attendu 1 (inclure les expirés) ou 0"),
    Param("page", "Page", type="integer", minimum=1, maximum=10_000, default=1),
    Param("per_page", "Résultats par page", type="integer", minimum=1, maximum=MAX_PER_PAGE,
          default=20),
    # issue 15, the trust distance (search.trust): who is how many follows or endorsements away
    Param("max_hops", "Proximité : 0 ce nœud seul, 1 ce nœud et les lieux qu'il suit ou "
          "recommande, 2 jusqu'à 2 relais… ; sans lui, tous les lieux que ce nœud détient",
          type="integer", minimum=0, maximum=MAX_HOPS, example=1),
    Param("reseau", "Réseau : le did du nœud d'un réseau ; ses membres (les lieux qu'il "
          "recommande ou suit) et lui-même", pattern=f"|{_DID}", max_length=64,
          expected="attendu le did:key Ed25519 du nœud du réseau (did:key:z6Mk…)"),
)  # fmt: skip
PARAMS = {param.name: param for param in SEARCH_PARAMS}


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    col: str | None = None  # offer, need, profile, listing…
    category: str | None = None
    enjeu: str | None = None
    department: str | None = None
    region: str | None = None
    near: tuple[float, float] | None = None  # (lat, lon) in degrees
    town: str | None = None  # near=<a town's name>: resolved by the index (search.towns)
    radius_km: float | None = None
    sort: Sort = "relevance"
    page: int = 1
    per_page: int = 20
    expired: bool = False  # include the records past their last day (search.expiry)
    #: The day records are current on: those whose last day is before it are hidden (unless
    #: ``expired``). None: nothing is hidden (a caller that knows no date). Set by
    #: :func:`parse_params`, hence part of the answer cache's key: a new day, new answers.
    today: datetime.date | None = None
    max_hops: int | None = None  # only the authors this close (search.trust)
    reseau: str | None = None  # only the members of this network (search.trust)

    def to_query(self) -> dict[str, str]:
        """The same search as query-string parameters (for links: pages, Atom, next page)."""
        query: dict[str, str] = {}
        for name in ("q", "col", "category", "enjeu", "department", "region"):
            value = getattr(self, name)
            if value:
                query[name] = value
        if self.near is not None:
            query["near"] = f"{self.near[0]},{self.near[1]}"
        elif self.town is not None:
            query["near"] = self.town
        if self.radius_km is not None:
            query["radius_km"] = f"{self.radius_km:g}"
        if self.sort != "relevance":
            query["sort"] = self.sort
        if self.page != 1:
            query["page"] = str(self.page)
        if self.per_page != 20:
            query["per_page"] = str(self.per_page)
        if self.expired:
            query["expired"] = "1"
        if self.max_hops is not None:
            query["max_hops"] = str(self.max_hops)
        if self.reseau:
            query["reseau"] = self.reseau
        return query


@dataclass(frozen=True)
class Place:
    """Where a result comes from: the place's name and town (from its profile or listing)."""

    name: str
    city: str | None = None
    department: str | None = None
    did: str | None = None


@dataclass(frozen=True)
class Hit:
    author: str
    col: str
    rid: str
    title: str
    snippet: str  # HTML: the matched words in <mark>, everything else escaped
    place: Place
    category: str | None = None
    category_label: str | None = None
    distance_km: float | None = None
    url: str = ""  # path of the result's page on this node
    updated: str | None = None  # ts of the entry that set the record
    valid_until: str | None = None
    expired: bool = False  # past its last day (listed only with ``expired=1``)
    body: dict[str, Any] = field(default_factory=dict)
    #: Where it is (degrees): a place's own position, an offer's or need's place's; None
    #: when unknown (the map, ``node.web.geojson``).
    lat: float | None = None
    lon: float | None = None
    #: The trust distance of its author (``search.trust``): 0 this node, 1 followed or
    #: endorsed… None out of reach.
    hops: int | None = None


@dataclass(frozen=True)
class Facet:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Around:
    """A search the node ran around a town named in its text ("près de Périgueux")."""

    town: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class SearchResult:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[Facet]]  # "category", "department", "enjeu"
    suggestion: str | None = None  # "did you mean", when nothing was found
    any_word: bool = False  # no record held every word: these hold at least one
    around: Around | None = None  # "près de <town>" read as a radius search
    unknown_town: str | None = None  # near=<town> names no town of the places held


def parse_params(query: Mapping[str, str], today: datetime.date | None = None) -> SearchParams:
    """Validate query-string parameters (one value each; the first one counts) with the
    rules of :data:`SEARCH_PARAMS`; unknown ones are ignored. An empty value is an absent
    one; a radius without a place, or a sort by distance without one, is simply unused.

    ``today`` is the day records must be current on (tests fix it); by default the day of
    the request, read here once for every handler of a search (page, API, Atom, cache)."""

    def value(name: str) -> str | int | None:
        raw = query.get(name)
        if raw is None or (raw == "" and name == "max_hops"):  # the form's « tout »
            return None
        read = PARAMS[name].read(raw)
        if isinstance(read, str):
            read = read.strip()
        return read if read != "" else None

    near = town = None
    raw_near = value("near")
    if isinstance(raw_near, str) and not any("0" <= c <= "9" for c in raw_near):
        town = raw_near  # a town's name: the index knows the towns of its places
    elif isinstance(raw_near, str):
        lat, lon = (float(part) for part in raw_near.split(","))
        near = (lat, lon)
    q = str(value("q") or "")
    placed = near is not None or town is not None or bool(NEAR_PHRASE.search(q))
    radius = value("radius_km")
    sort = value("sort") or "relevance"
    if sort == "distance" and not placed:
        sort = "relevance"  # nothing to measure from
    page, per_page = value("page"), value("per_page")
    return SearchParams(
        q=q,
        col=_text(value("col")),
        category=_text(value("category")),
        enjeu=_text(value("enjeu")),
        department=_text(value("department")),
        region=_text(value("region")),
        near=near,
        town=town,
        radius_km=float(radius) if radius is not None and placed else None,
        sort=sort,  # type: ignore[arg-type]
        page=page if isinstance(page, int) else 1,
        per_page=per_page if isinstance(per_page, int) else 20,
        expired=value("expired") == "1",
        today=today or datetime.date.today(),
        max_hops=_number(value("max_hops")),
        reseau=_text(value("reseau")),
    )


def _number(value: str | int | None) -> int | None:
    return value if isinstance(value, int) else None


def _text(value: str | int | None) -> str | None:
    return None if value is None else str(value)
