"""``GET /api/stats`` and ``GET /api/stats.csv``: the statistics of what this node holds.

Thin handlers: the filters are read with the rules of :data:`STATS_PARAMS` (those of the
search for a department, a region, a category and an enjeu, plus ``reseau``; also written
in ``/api/openapi.json``), the counts are ``search.stats.compute`` run on the search
threads under admission, and the answer is its JSON, or one breakdown as a CSV file for a
spreadsheet (:func:`csv_bytes`: UTF-8 with a byte order mark and ``;``, as
``maillage export`` writes). Both routes are cached per index generation like the search
(``node.web.answer_cache``); ``maillage stats`` parses its options with :func:`parse_filters`
too.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from node.api_errors import bad_parameter, index_not_ready, json_response
from node.appkeys import SEARCH, STORE
from node.federation.api_params import DID_PATTERN
from node.io.export import spreadsheet_safe
from node.web.admission import run_search
from search.index import IndexNotReady
from search.model import PARAMS as SEARCH_PARAMS
from search.params import Param, ParamError, single
from search.stats import TABLES, Stats, StatsFilters, compute

STATS_PARAMS: tuple[Param, ...] = (
    SEARCH_PARAMS["department"],
    SEARCH_PARAMS["region"],
    Param("category", "Catégorie du socle commun, ou groupe de catégories (accueil, "
          "production, formation)", pattern=SEARCH_PARAMS["category"].pattern, max_length=64,
          example="production", expected="valeur invalide (par exemple production ou "
          "production.prototypage)"),
    SEARCH_PARAMS["enjeu"],
    Param("reseau", "Réseau : le did du nœud d'un réseau ; les lieux qu'il suit ou recommande, "
          "ses lieux recensés, et ce qu'ils publient", pattern=f"|{DID_PATTERN}",
          expected="attendu le did:key Ed25519 du nœud du réseau (did:key:z6Mk…)"),
)  # fmt: skip
TABLE = Param(
    "table",
    "Le tableau : par département, région, catégorie, groupe de catégories, enjeu, type de "
    "lieu ou mois de publication",
    required=True,
    enum=tuple(TABLES),
    example="department",
)
#: French file names of the CSV of each table.
FILE_NAMES = {
    "department": "departements",
    "region": "regions",
    "category": "categories",
    "group": "groupes",
    "enjeu": "enjeux",
    "family": "types-de-lieu",
    "month": "mois",
}


def parse_filters(query: Mapping[str, Any]) -> StatsFilters:
    """The filters of a request (an empty value is no filter); ParamError (French)."""
    values: dict[str, Any] = {}
    for param in STATS_PARAMS:
        raw = single(_values(query, param.name), param)
        value = None if raw is None or raw == "" else param.read(raw)
        values[param.name] = value
    return StatsFilters(**values)


def parse_table(query: Mapping[str, Any]) -> str:
    raw = single(_values(query, TABLE.name), TABLE)
    if raw is None:
        raise ParamError(TABLE.name, "paramètre obligatoire (" + ", ".join(TABLES) + ")")
    return str(TABLE.read(raw))


def _values(query: Mapping[str, Any], name: str) -> list[str]:
    getall = getattr(query, "getall", None)
    if getall is not None:
        return list(getall(name, []))
    return [query[name]] if name in query else []


def today() -> datetime.date:
    """The one reading of the clock of the statistics routes (UTC)."""
    return datetime.datetime.now(datetime.UTC).date()


async def _stats(request: web.Request, filters: StatsFilters) -> Stats:
    work = functools.partial(compute, request.app[STORE], request.app[SEARCH], filters, today())
    try:
        return await run_search(request, work)
    except IndexNotReady as exc:
        raise index_not_ready(exc.percent, exc.failed) from None


async def handle_stats(request: web.Request) -> web.Response:
    try:
        filters = parse_filters(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    return json_response((await _stats(request, filters)).to_json())


async def handle_stats_csv(request: web.Request) -> web.Response:
    try:
        table = parse_table(request.query)
        filters = parse_filters(request.query)
    except ParamError as exc:
        raise bad_parameter(f"{exc.param} : {exc.message}") from None
    stats = await _stats(request, filters)
    name = "-".join(["statistiques", FILE_NAMES[table], *filters.applied().values()])
    name = name.replace(":", "-")
    response = web.Response(body=csv_bytes(stats, table), content_type="text/csv")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def csv_bytes(stats: Stats, table: str, delimiter: str = ";") -> bytes:
    """One breakdown of ``stats`` as a CSV file: a header row of French column names, then
    one row per code (its code, its label, its counts); UTF-8 with a byte order mark, ``;``
    between columns and CRLF line ends for a spreadsheet opened in France, cells that would
    read as formulas made harmless (codes come from peers)."""
    header, rows = stats.rows(table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
