"""The operations ``GET /api/stats`` and ``GET /api/stats.csv`` of ``/api/openapi.json``,
and the shape of their answer: written from the rules their handlers read the parameters
with (``node.web.stats_api``), like the rest of the document (``node/web/openapi.py``)."""

from __future__ import annotations

from typing import Any

from node.web.openapi_parts import ETAG, NOT_MODIFIED, json_body, operation
from node.web.openapi_schemas import INT, STR, ref
from node.web.stats_api import STATS_PARAMS, TABLE
from search.stats import KINDS, TABLES

RULES = (
    "Lieux : les profils et les lieux recensés non revendiqués (un lieu recensé revendiqué "
    "par le profil du lieu compte une fois, par ce profil). Offres et besoins : ceux qui sont "
    "en cours, les expirés ne sont pas comptés. Une offre ou un besoin compte dans le "
    'département et la région de son lieu ; le code "" regroupe ce qui n\'en a pas (« non '
    "renseigné »). Les codes sont les clés ; leurs noms en français sont dans labels. Filtres "
    "combinables ; une valeur vide vaut une absence."
)


def _counts(kinds: tuple[str, ...], description: str) -> dict[str, Any]:
    counts = {"type": "object", "required": list(kinds), "properties": dict.fromkeys(kinds, INT)}
    return {"type": "object", "description": description, "additionalProperties": counts}


_LABELS = {"type": "object", "additionalProperties": STR}
SCHEMAS: dict[str, Any] = {
    "Stats": {
        "type": "object",
        "description": "Les chiffres de ce que ce nœud détient, et leur répartition",
        "required": [
            *KINDS,
            *(member for member, _kinds, _title in TABLES.values()),
            "labels",
            "covers",
            "filters",
        ],
        "properties": {
            **dict.fromkeys(KINDS, INT),
            **{
                member: _counts(kinds, f"Par {title.lower()} : code → nombres")
                for member, kinds, title in TABLES.values()
            },
            "labels": {
                "type": "object",
                "description": "Le nom en français de chaque code, par tableau",
                "properties": {
                    name: _LABELS
                    for name in ("department", "region", "category", "group", "enjeu", "family")
                },
            },
            "covers": {
                "type": "object",
                "description": "Ce que couvrent ces chiffres : les lieux connus de ce nœud "
                "(sans filtre) et les flux qu'il détient",
                "required": ["places_known", "feeds"],
                "properties": {"places_known": INT, "feeds": INT},
            },
            "filters": {
                "type": "object",
                "description": "Les filtres appliqués",
                "additionalProperties": STR,
            },
        },
    },
}


def paths() -> dict[str, Any]:
    filters = [p.openapi() for p in STATS_PARAMS]
    csv = {
        "description": "Le tableau demandé : une ligne d'en-tête en français, puis par code son "
        "code, son nom et ses nombres ; UTF-8 avec BOM, « ; » entre les colonnes",
        "headers": {
            "ETag": ETAG,
            "Content-Disposition": {
                "description": "attachment; filename=…",
                "schema": {"type": "string"},
            },
        },
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
    return {
        "/api/stats": {
            "get": operation(
                "getStats", "statistiques", "Statistiques de ce nœud",
                "Lieux, offres et besoins que ce nœud détient, par département, région, "
                "catégorie, groupe de catégories, enjeu, type de lieu et mois de publication. "
                + RULES,
                {"200": json_body(ref("Stats"), "Les chiffres", ETag=ETAG), "304": NOT_MODIFIED},
                ("400",), parameters=filters,
            )
        },
        "/api/stats.csv": {
            "get": operation(
                "getStatsCsv", "statistiques", "Un tableau des statistiques, en CSV",
                "Un tableau de /api/stats (table), pour un tableur, avec les mêmes filtres. "
                + RULES,
                {"200": csv, "304": NOT_MODIFIED},
                ("400",), parameters=[TABLE.openapi(), *filters],
            )
        },
    }  # fmt: skip
