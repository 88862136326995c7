"""The shapes shared by the index, the JSON API, the pages and the feeds of search results.

``parse_params`` turns query-string parameters into :class:`SearchParams` or raises
:class:`ParamError` naming the parameter in French; :meth:`SearchIndex.search` (in
``search.index``) answers a :class:`SearchResult`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Sort = Literal["relevance", "distance", "recent"]
SORTS: tuple[str, ...] = ("relevance", "distance", "recent")
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
_DECIMAL = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,10})?")
#: The end of a search that names where: « … près de Périgueux », « autour de Nontron »
#: (search.towns reads the town; a radius may then be given without near).
NEAR_PHRASE = re.compile(
    r"(?:^|\s)(?:tout\s+)?(?:près|pres|proche|autour|à\s+proximité|a\s+proximite"
    r"|aux\s+alentours|alentours|aux\s+environs|environs)"
    r"\s+(?:de\s+la\s+|de\s+l['’]\s*|de\s+|d['’]\s*|du\s+|des\s+)?(?P<rest>\S.*)$",
    re.IGNORECASE,
)
_CODE = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")
_DEPARTMENT = re.compile(r"(?:[0-9]{2,3}|2[AB])")
_REGION = re.compile(r"[0-9]{2}")


class ParamError(ValueError):
    """A search parameter is malformed: ``param`` names it, ``message`` says why (French)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param} : {message}")
        self.param = param
        self.message = message


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
    body: dict[str, Any] = field(default_factory=dict)


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


def parse_params(query: Mapping[str, str]) -> SearchParams:
    """Validate query-string parameters (one value each); unknown ones are ignored."""

    def text(name: str, limit: int = 100) -> str | None:
        value = query.get(name)
        if value is None or not value.strip():
            return None
        if len(value) > limit or not value.isprintable():
            raise ParamError(name, f"valeur trop longue ou illisible (au plus {limit} caractères)")
        return value.strip()

    def matching(name: str, pattern: re.Pattern[str], example: str) -> str | None:
        value = text(name)
        if value is not None and not pattern.fullmatch(value):
            raise ParamError(name, f"valeur {value!r} invalide (par exemple {example})")
        return value

    def integer(name: str, default: int, low: int, high: int) -> int:
        value = text(name)
        if value is None:
            return default
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise ParamError(name, f"nombre entier attendu, de {low} à {high}")
        return int(value)

    near = town = None
    raw_near = text("near")
    if raw_near is not None and not any(c.isdigit() for c in raw_near):
        town = raw_near  # a town's name: the index knows the towns of its places
    elif raw_near is not None:
        parts = raw_near.split(",")
        if len(parts) != 2 or not all(_DECIMAL.fullmatch(p.strip()) for p in parts):
            raise ParamError(
                "near", "attendu une commune ou « latitude,longitude », par exemple 45.18,0.72"
            )
        lat, lon = (float(p) for p in parts)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ParamError("near", "latitude entre -90 et 90, longitude entre -180 et 180")
        near = (lat, lon)
    radius = None
    raw_radius = text("radius_km")
    if raw_radius is not None:
        if not re.fullmatch(r"[0-9]{1,4}(?:\.[0-9]{1,3})?", raw_radius) or float(raw_radius) <= 0:
            raise ParamError("radius_km", "distance en km attendue, par exemple 30")
        q = query.get("q") or ""
        if near is None and town is None and not NEAR_PHRASE.search(q):
            raise ParamError("radius_km", "n'a de sens qu'avec near (une commune, ou un point)")
        radius = float(raw_radius)
    sort = text("sort") or "relevance"
    if sort not in SORTS:
        raise ParamError("sort", f"valeurs possibles : {', '.join(SORTS)}")
    if sort == "distance" and near is None and town is None:
        raise ParamError("sort", "le tri par distance demande near (une commune, ou un point)")
    return SearchParams(
        q=text("q", MAX_QUERY_CHARS) or "",
        col=matching("col", _CODE, "offer"),
        category=matching("category", _CODE, "production.prototypage"),
        enjeu=matching("enjeu", _CODE, "transition-ecologique"),
        department=matching("department", _DEPARTMENT, "24"),
        region=matching("region", _REGION, "75"),
        near=near,
        town=town,
        radius_km=radius,
        sort=sort,  # type: ignore[arg-type]
        page=integer("page", 1, 1, 10_000),
        per_page=integer("per_page", 20, 1, MAX_PER_PAGE),
    )
