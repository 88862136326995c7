"""``maillage search`` and ``maillage reindex``: the local index from the shell.

``search`` answers like ``GET /api/search`` (``--json`` prints the same JSON), or in French,
one block per result. ``reindex`` rebuilds the index from the store (it is a projection).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from node.cli.common import CommandError, add_home_argument, open_index, open_node
from node.cli.terminal import shown

if TYPE_CHECKING:
    from search.model import Hit, SearchResult


def register(subparsers: argparse._SubParsersAction) -> None:
    search = subparsers.add_parser(
        "search",
        help="chercher dans l'index local (offres, besoins, lieux)",
        description="Cherche dans l'index local du nœud, comme la page de recherche.",
    )
    add_home_argument(search)
    search.add_argument(
        "query", metavar="RECHERCHE", nargs="?", default="", help="mots cherchés (facultatif)"
    )
    search.add_argument("--json", action="store_true", help="réponse JSON, comme l'API")
    for name, example in (
        ("col", "offer, need, profile"),
        ("category", "production.prototypage"),
        ("enjeu", "transition-ecologique"),
        ("department", "24"),
        ("region", "75"),
    ):
        search.add_argument(f"--{name}", metavar="CODE", help=f"filtre, par exemple {example}")
    search.add_argument(
        "--near", metavar="LIEU", help="autour de ce point (LAT,LON) ou de cette commune"
    )
    search.add_argument(
        "--radius-km", metavar="KM", help="rayon autour de --near, en km (30 pour une commune)"
    )
    search.add_argument(
        "--sort",
        metavar="TRI",
        help="relevance (pertinence, par défaut), distance (avec --near) "
        "ou recent (les plus récents d'abord)",
    )
    search.add_argument(
        "--max-hops",
        metavar="N",
        help="proximité : 1 ce nœud et les lieux qu'il suit ou recommande, 2 jusqu'à 2 relais…",
    )
    search.add_argument("--reseau", metavar="DID", help="les membres de ce réseau seulement")
    search.add_argument("--page", metavar="N", help="page de résultats (à partir de 1)")
    search.add_argument("--per-page", metavar="N", help="résultats par page (au plus 100)")
    search.set_defaults(handler=run_search)
    reindex = subparsers.add_parser(
        "reindex",
        help="reconstruire l'index de recherche depuis la base",
        description="Reconstruit l'index de recherche à partir des enregistrements de la base.",
    )
    add_home_argument(reindex)
    reindex.set_defaults(handler=run_reindex)


def run_search(args: argparse.Namespace) -> int:
    import orjson

    from node.web.search_api import result_json
    from search.model import ParamError, parse_params

    query = {"q": args.query}
    for name in ("col", "category", "enjeu", "department", "region", "near", "sort", "page"):
        if getattr(args, name) is not None:
            query[name] = getattr(args, name)
    if args.radius_km is not None:
        query["radius_km"] = args.radius_km
    if args.per_page is not None:
        query["per_page"] = args.per_page
    for name in ("max_hops", "reseau"):
        if getattr(args, name) is not None:
            query[name] = getattr(args, name)
    try:
        params = parse_params(query)
    except ParamError as exc:
        raise CommandError(f"--{exc.param.replace('_', '-')} : {exc.message}") from None
    from node.federation.trust import trust_of

    with open_index(args) as (node, index):
        networks = [params.reseau] if params.reseau else []
        trust = trust_of(node.store, node.key.did, networks)
        result = index.search(params, trust)
    if args.json:
        sys.stdout.write(orjson.dumps(result_json(result), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(result, trust.endorsed))
    if index.behind is not None:  # answered as the index was: say why, after the results
        print(
            f"maillage : attention, les dernières entrées de la base ne sont pas dans ces "
            f"résultats : {index.behind}",
            file=sys.stderr,
        )
    return 0


def render(result: SearchResult, endorsed: frozenset[str] = frozenset()) -> str:
    """The French text of a result page."""
    if not result.total:
        text = "Aucun résultat.\n"
        if result.unknown_town:
            text += (
                f"Ce nœud ne connaît aucun lieu à « {result.unknown_town} » : vérifiez "
                "l'orthographe, ou donnez un point (--near LAT,LON).\n"
            )
        if result.suggestion:
            text += f"Essayez plutôt : {shown(result.suggestion)}\n"
        return text
    first = (result.page - 1) * result.per_page + 1
    last = first + len(result.hits) - 1
    plural = "s" if result.total > 1 else ""
    lines = [f"{result.total} résultat{plural} (de {first} à {last}) :", ""]
    if result.around is not None:
        around = result.around
        town = shown(around.town)
        lines[1:1] = [f"Autour de {town}, dans un rayon de {around.radius_km:g} km.", ""]
    if result.any_word:
        lines[1:1] = ["Aucun ne contient tous les mots : ceux-ci en contiennent au moins un.", ""]
    for hit in result.hits:
        lines.extend(_block(hit, hit.author in endorsed))
        lines.append("")
    if not result.hits:
        lines.append("Cette page est vide.")
    return "\n".join(lines) + "\n"


def _block(hit: Hit, endorsed: bool = False) -> list[str]:
    from search.trust import label

    kind = {"offer": "Offre", "need": "Besoin", "profile": "Lieu", "listing": "Lieu"}
    lines = [f"{kind.get(hit.col, hit.col)} : {shown(hit.title)}"]
    where = ", ".join(shown(p) for p in (hit.place.name, hit.place.city) if p)
    if hit.place.department:
        where += f" ({hit.place.department})"
    if where and hit.col not in ("profile", "listing"):
        lines.append(f"  Lieu : {where}")
    elif where:
        lines.append(f"  Ville : {where}")
    if hit.category_label:
        lines.append(f"  Catégorie : {hit.category_label}")
    conditions = conditions_in_short(hit.body.get("conditions"))
    if conditions:
        lines.append(f"  Conditions : {conditions}")
    if hit.distance_km is not None:
        lines.append(f"  Distance : {hit.distance_km:.1f} km".replace(".", ","))
    if close := label(hit.hops, endorsed):  # the trust distance (docs/confiance.md)
        lines.append(f"  Proximité : {close}")
    lines.append(f"  Page : {shown(hit.url)}")
    return lines


def conditions_in_short(conditions: Any) -> str:
    """ "Tarif, 25.00 € / heure, délai 5 j" from a conditions object (peer data: defensive)."""
    if not isinstance(conditions, dict):
        return ""
    from protocol import vocabulary as vocab

    parts = []
    pricing = conditions.get("pricing")
    if isinstance(pricing, str):
        parts.append(vocab.PRICING.label(pricing))
    price, unit = conditions.get("price"), conditions.get("unit")
    if isinstance(price, str):
        per = f" {vocab.PRICE_UNITS.label(unit).lower()}" if isinstance(unit, str) else ""
        parts.append(f"{price.replace('.', ',')} €{per}")
    limits = conditions.get("limits")
    if isinstance(limits, dict) and isinstance(limits.get("lead_time_days"), int):
        parts.append(f"délai {limits['lead_time_days']} j")
    return ", ".join(parts)


def run_reindex(args: argparse.Namespace) -> int:
    from node.store.faults import StoreError
    from search.faults import IndexFault
    from search.index import SearchIndex, index_path

    with open_node(args) as node:
        path = index_path(node.settings.home)
        tty = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if tty:
                print(f"\rIndexation : flux {done}/{total}", end="", file=sys.stderr, flush=True)

        try:
            index, count = SearchIndex.build(path, node.store, progress)
            index.close()
            feeds = len(node.store.feeds())
        except (IndexFault, StoreError) as exc:  # a full disk, a file where the index goes…
            raise CommandError(str(exc)) from None
        finally:
            if tty:
                print(file=sys.stderr)
    print(f"Index reconstruit : {count} documents, {feeds} flux ({path}).")
    return 0
