"""``maillage match AUTHOR_DID RID``: who may serve a need the node holds, in a terminal.

It answers like ``GET /api/match`` (``--json`` prints the same JSON): the need, then each
match with its rank, title, place, town, distance and score, its reasons indented below.
Everything that comes from peers is printed through :func:`node.cli.terminal.shown`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from node.cli.common import CommandError, add_home_argument, open_index
from node.cli.terminal import shown


def register(subparsers: argparse._SubParsersAction) -> None:
    match = subparsers.add_parser(
        "match",
        help="qui peut répondre à un besoin (offres et lieux, les meilleurs d'abord)",
        description="Classe les offres et les lieux que ce nœud connaît pour un besoin qu'il "
        "détient : catégorie, mots, capacité, délai, distance, avec les raisons.",
    )
    add_home_argument(match)
    match.add_argument("author", metavar="AUTEUR", help="did:key de l'auteur du besoin")
    match.add_argument("rid", metavar="IDENTIFIANT", help="identifiant du besoin")
    match.add_argument("--json", action="store_true", help="réponse JSON, comme l'API")
    match.add_argument("--expired", action="store_true", help="proposer aussi les expirées")
    match.add_argument("--page", metavar="N", help="page de propositions (à partir de 1)")
    match.add_argument("--per-page", metavar="N", help="propositions par page (au plus 100)")
    match.set_defaults(handler=run_match)


def run_match(args: argparse.Namespace) -> int:
    import orjson

    from node.web.match_api import inactive_authors, match_json, parse_match, today
    from search.params import ParamError

    query = {"author": args.author, "rid": args.rid, "expired": "1" if args.expired else "0"}
    if args.page is not None:
        query["page"] = args.page
    if args.per_page is not None:
        query["per_page"] = args.per_page
    try:
        asked = parse_match(query)
    except ParamError as exc:
        names = {"author": "AUTEUR", "rid": "IDENTIFIANT", "per_page": "--per-page"}
        raise CommandError(f"{names.get(exc.param, '--page')} : {exc.message}") from None
    with open_index(args) as (node, index):
        found = index.match(
            asked.author,
            asked.rid,
            today=today(),
            inactive=inactive_authors(node.store),
            include_expired=asked.include_expired,
        )
    if found is None:
        raise CommandError(
            f"ce nœud ne détient pas de besoin « {shown(asked.rid)} » de {shown(asked.author)} "
            "(vérifiez l'auteur et l'identifiant : maillage search --col need)"
        )
    data = match_json(*found, asked.page, asked.per_page)
    if args.json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render(data))
    return 0


def _where(place: dict[str, Any]) -> str:
    where = ", ".join(shown(p) for p in (place["name"], place["city"]) if p)
    return where + (f" ({shown(place['department'])})" if place["department"] else "")


def render(data: dict[str, Any]) -> str:
    """The French text of a page of matches."""
    need = data["need"]
    lines = [f"Besoin : {shown(need['title'])}"]
    if where := _where(need["place"]):
        lines.append(f"  Lieu : {where}")
    facts = []
    if need["quantity"] is not None:
        facts.append(f"quantité {need['quantity']} {shown(need['unit'] or '')}".strip())
    if need["due_date"]:
        facts.append(f"pour le {shown(need['due_date'])}")
    if need["urgency_label"]:
        facts.append(f"urgence {shown(need['urgency_label']).lower()}")
    if facts:
        lines.append("  " + ", ".join(facts))
    lines.append("")
    total = data["total"]
    if not total:
        lines.append("Aucune proposition : aucune offre ni aucun lieu connu ne correspond.")
        return "\n".join(lines) + "\n"
    first = (data["page"] - 1) * data["per_page"] + 1
    plural = "s" if total > 1 else ""
    lines.append(f"{total} proposition{plural} :")
    lines.append("")
    for rank, match in enumerate(data["matches"], first):
        lines.append(f"{rank}. {shown(match['title'])}")
        if where := _where(match["place"]):
            lines.append(f"   Lieu : {where}")
        distance = match["distance_km"]
        far = "inconnue" if distance is None else f"{distance:.1f} km".replace(".", ",")
        score = f"{match['score']:.1f}".replace(".", ",")
        lines.append(f"   Distance : {far} · score : {score} sur 100")
        lines.extend(f"     - {shown(reason)}" for reason in match["reasons"])
        lines.append(f"   Page : {shown(match['url'])}")
        lines.append("")
    if not data["matches"]:
        lines.append("Cette page est vide.")
    return "\n".join(lines) + "\n"
