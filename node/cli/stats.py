"""``maillage stats``: the statistics of what the node holds, in a terminal.

It counts like ``GET /api/stats`` (``search.stats``; ``--json`` prints the same JSON), with
the same filters read by the same rules (``node.web.stats_api.parse_filters``): the totals,
then each breakdown as an aligned table (code, French name, counts). Codes and names may
come from peers: every cell is printed through :func:`node.cli.terminal.shown`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from node.cli.common import CommandError, add_home_argument, open_index
from node.cli.terminal import shown

#: Each filter option, and the parameter of the API it is.
FILTERS = {
    "department": ("--department", "CODE", "un département (code INSEE : 24, 2A, 974)"),
    "region": ("--region", "CODE", "une région (code INSEE : 75)"),
    "category": ("--category", "CODE", "une catégorie, ou un groupe (production…)"),
    "enjeu": ("--enjeu", "CODE", "un enjeu (transition-ecologique…)"),
    "reseau": ("--reseau", "DID", "un réseau : les lieux que suit le nœud de ce did"),
}
#: The breakdowns printed, in order, with their French titles.
TITLES = {
    "department": "Par département",
    "region": "Par région",
    "category": "Par catégorie",
    "group": "Par groupe de catégories",
    "enjeu": "Par enjeu",
    "family": "Par type de lieu",
    "month": "Par mois de publication",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    stats = subparsers.add_parser(
        "stats",
        help="les chiffres de ce que ce nœud connaît (lieux, offres, besoins)",
        description="Compte les lieux (profils et lieux recensés non revendiqués), les offres "
        "et les besoins en cours que ce nœud détient, par département, région, catégorie, "
        "enjeu, type de lieu et mois, comme GET /api/stats et le tableau de bord.",
    )
    add_home_argument(stats)
    for name, (option, metavar, text) in FILTERS.items():
        stats.add_argument(option, dest=name, metavar=metavar, help=f"seulement {text}")
    stats.add_argument("--json", action="store_true", help="réponse JSON, comme l'API")
    stats.set_defaults(handler=run_stats)


def run_stats(args: argparse.Namespace) -> int:
    import orjson

    from node.web.stats_api import parse_filters, today
    from search.params import ParamError
    from search.stats import compute

    query = {name: getattr(args, name) for name in FILTERS if getattr(args, name) is not None}
    try:
        filters = parse_filters(query)
    except ParamError as exc:
        raise CommandError(f"{FILTERS[exc.param][0]} : {exc.message}") from None
    with open_index(args) as (node, index):
        stats = compute(node.store, index, filters, today())
    if args.json:
        sys.stdout.write(orjson.dumps(stats.to_json(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    lines = [*summary(stats.to_json()), ""]
    for table, title in TITLES.items():
        header, rows = stats.rows(table)
        if table == "month":  # its code is its name
            header, rows = header[1:], [row[1:] for row in rows]
        lines.append(f"{title} :")
        lines.extend(aligned(header, rows) if rows else ["  (aucun)"])
        lines.append("")
    sys.stdout.write("\n".join(lines))
    return 0


def _number(count: int) -> str:
    """``1 512``: thousands apart, as French writes them (a narrow no-break space)."""
    return f"{count:,}".replace(",", "\u202f")


def summary(data: dict[str, Any]) -> list[str]:
    """The totals, what they cover, and the filters applied (French)."""
    covers = data["covers"]
    held = "suivi ou copié" if covers["feeds"] == 1 else "suivis ou copiés"
    lines = [
        f"Lieux : {_number(data['places'])}",
        f"Offres en cours : {_number(data['offers'])}",
        f"Besoins ouverts : {_number(data['needs'])}",
        f"Ce nœud connaît {_number(covers['places_known'])} lieux, dans "
        f"{_number(covers['feeds'])} flux {held} ; les offres et besoins expirés ne sont pas "
        "comptés.",
    ]
    if data["filters"]:
        applied = ", ".join(f"{FILTERS[k][0]} {shown(v)}" for k, v in data["filters"].items())
        lines.append(f"Filtres : {applied}")
    return lines


def aligned(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """``rows`` under ``header`` in columns: text to the left, numbers to the right."""
    cells = [[shown(c) if isinstance(c, str) else _number(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = [not isinstance(value, str) for value in rows[0]]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(list(header)), line(["-" * w for w in widths]), *map(line, cells)]
