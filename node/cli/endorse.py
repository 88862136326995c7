"""``maillage endorse|endorsements``: vouch for a place publicly, withdraw it, list them.

An endorsement is a signed ``endorse`` record of the place's own log (rid: the endorsed
did), written by ``node.publishing.endorsements`` as the admin's peers page does. It counts
like a follow in the trust distance and in replication (the endorsed feed is copied from
the peers that hold it). These commands write through the store, whether the node serves or
not (SQLite serialises writers across processes).
"""

from __future__ import annotations

import argparse

from node.cli.common import CommandError, add_home_argument, open_node
from node.cli.follow import _guarded as guarded  # refusals and store faults, in French
from node.cli.records import NOTHING_WRITTEN
from node.cli.terminal import shown

#: The common core's groups and categories, for the help (light: no vocabulary import).
SCOPE_HELP = (
    "catégorie du socle commun (production.textile…) ou groupe (accueil, production, "
    "formation) ; plusieurs possibles ; aucune : pour tout"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    summary = "recommander un lieu (publiquement), ou retirer la recommandation"
    endorse = subparsers.add_parser(
        "endorse", help=summary, description=f"{summary[0].upper()}{summary[1:]}."
    )
    add_home_argument(endorse)
    endorse.add_argument("did", metavar="DID", help="identité du lieu (did:key:z6Mk…)")
    endorse.add_argument("--note", metavar="TEXTE", help="pourquoi, en une phrase")
    endorse.add_argument("--scope", metavar="CATÉGORIE", nargs="+", default=[], help=SCOPE_HELP)
    endorse.add_argument(
        "--remove", action="store_true", help="retirer la recommandation de ce lieu"
    )
    endorse.set_defaults(handler=run_endorse)
    listed = subparsers.add_parser(
        "endorsements",
        help="lister les lieux que ce nœud recommande",
        description="Lister les lieux que ce nœud recommande.",
    )
    add_home_argument(listed)
    listed.set_defaults(handler=run_endorsements)


@guarded
def run_endorse(args: argparse.Namespace) -> int:
    from node.publishing import endorsements

    if args.remove and (args.note or args.scope):
        raise CommandError("--remove ne prend ni --note ni --scope")
    with open_node(args) as node:
        if args.remove:
            outcome = endorsements.unendorse(node.store, node.key, args.did)
        else:
            outcome = endorsements.endorse(node.store, node.key, args.did, args.note, args.scope)
        name = endorsements.place_name(node.store, outcome.rid)
    label = f"« {shown(name)} » ({outcome.rid})" if name else outcome.rid
    if outcome.entry is None:
        print(f"vous recommandez déjà {label} ainsi ; {NOTHING_WRITTEN}")
    elif args.remove:
        print(f"vous ne recommandez plus {label} (entrée n° {outcome.entry.seq})")
    else:
        done = "recommandation mise à jour :" if outcome.updated else "vous recommandez"
        print(f"{done} {label} (entrée n° {outcome.entry.seq})")
        print("son flux est copié depuis vos pairs qui le détiennent (maillage sync)")
    return 0


@guarded
def run_endorsements(args: argparse.Namespace) -> int:
    from node.publishing import endorsements
    from protocol import vocabulary as vocab

    with open_node(args) as node:
        found = endorsements.endorsements(node.store, node.key.did)
    if not found:
        print("ce nœud ne recommande aucun lieu ; recommandez-en un : maillage endorse DID")
        return 0
    for item in found:
        print(shown(f"{item.name or 'lieu sans nom connu'}  {item.did}"))
        if item.scopes:
            print(shown("  pour : " + ", ".join(vocab.scope_label(s) for s in item.scopes)))
        if item.note:
            print(shown(f"  « {item.note} »"))
    return 0
