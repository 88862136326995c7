"""``maillage blocklist add|remove|show``, ``apply-blocklist`` and ``blocklists``.

``blocklist`` publishes this node's lists (signed ``blocklist`` records: public, they hide
nothing by themselves). ``apply-blocklist`` applies another node's list here, by choice (a
local row, never published): its places are hidden, and its later versions followed, but
the places this node follows directly only once confirmed (``--confirm DID``).
``blocklists`` shows what is applied and why.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from node.cli.common import add_home_argument, open_node
from node.cli.follow import _guarded as guarded
from node.cli.terminal import shown

if TYPE_CHECKING:
    from node.hidden import AppliedList

DEFAULT_LIST = "principale"  # protocol.vocabulary.BLOCKLIST_DEFAULT_NAME, without importing it
AT_ONCE = "le nœud, s'il sert, l'applique dans la seconde"


def register(subparsers: argparse._SubParsersAction) -> None:
    blocklist = subparsers.add_parser(
        "blocklist",
        help="publier une liste de blocage (elle ne masque rien par elle-même)",
        description="Publier les listes de blocage de ce nœud : des entrées signées, publiques.",
    )
    actions = blocklist.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, summary, handler in (
        ("add", "ajouter un lieu à la liste (ou changer sa raison)", run_add),
        ("remove", "retirer un lieu de la liste", run_remove),
    ):
        parser = _with_home(actions.add_parser(action, help=summary, description=summary + "."))
        parser.add_argument("did", metavar="DID", help="identifiant du lieu (did:key:z…)")
        if action == "add":
            parser.add_argument("--reason", required=True, metavar="TEXTE", help="raison publiée")
        _list_argument(parser)
        parser.set_defaults(handler=handler)
    show = _with_home(actions.add_parser("show", help="afficher les listes publiées"))
    show.set_defaults(handler=run_show)

    apply = _with_home(
        subparsers.add_parser(
            "apply-blocklist",
            help="appliquer la liste de blocage d'un autre nœud (ou --remove : ne plus)",
            description="Appliquer sur ce nœud la liste de blocage d'un autre nœud : ses lieux "
            "sont masqués ici, et ses changements suivis. Jamais appliquée sans ce choix.",
        )
    )
    apply.add_argument("address", metavar="DID[/NOM]", help=f"liste (par défaut {DEFAULT_LIST})")
    apply.add_argument("--remove", action="store_true", help="ne plus appliquer cette liste")
    apply.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="DID",
        help="masquer aussi ce lieu suivi directement (répétable)",
    )
    apply.set_defaults(handler=run_apply)
    listed = _with_home(
        subparsers.add_parser(
            "blocklists", help="les listes appliquées, leurs lieux et leur état ici"
        )
    )
    listed.set_defaults(handler=run_blocklists)


def _with_home(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_home_argument(parser)
    return parser


def _list_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--list", default=None, metavar="NOM", help=f"nom de la liste (par défaut {DEFAULT_LIST})"
    )


@guarded
def run_add(args: argparse.Namespace) -> int:
    from node.publishing import blocklists

    with open_node(args) as node:
        done = blocklists.add(node.store, node.key, args.did, args.reason, args.list)
    if done.entry is None:
        print(f"{args.did.strip()} figure déjà dans la liste « {done.rid} » avec cette raison")
        return 0
    print(f"{args.did.strip()} ajouté à la liste « {done.rid} » (entrée n° {done.entry.seq})")
    print("publiée : elle ne masque rien ici ni ailleurs tant qu'un nœud ne l'applique pas")
    return 0


@guarded
def run_remove(args: argparse.Namespace) -> int:
    from node.publishing import blocklists

    with open_node(args) as node:
        done = blocklists.remove(node.store, node.key, args.did, args.list)
    assert done.entry is not None
    print(f"{args.did.strip()} retiré de la liste « {done.rid} » (entrée n° {done.entry.seq})")
    return 0


@guarded
def run_show(args: argparse.Namespace) -> int:
    from node.publishing import blocklists
    from protocol.vocabulary import BLOCKLIST_LABEL

    with open_node(args) as node:
        me, lists = node.key.did, blocklists.own_lists(node.store, node.key.did)
    lines = []
    for name, places in lists:
        lines.append(f"{BLOCKLIST_LABEL} « {name} » ({me}/{name}) : {len(places)} lieu(x)")
        lines.extend(shown(f"  {did} : {reason}") for did, reason in places)
    print("\n".join(lines) or "aucune liste publiée ; maillage blocklist add DID --reason …")
    return 0


@guarded
def run_apply(args: argparse.Namespace) -> int:
    from node.publishing import blocklists

    with open_node(args) as node:
        if args.remove:
            blocklists.unapply(node.store, args.address)
            print(f"la liste {shown(args.address.strip())} n'est plus appliquée ; {AT_ONCE}")
            return 0
        found, again = blocklists.apply(
            node.store, node.key.did, args.address, node.settings.max_hops, args.confirm
        )
    print(f"liste {'toujours ' if again else ''}appliquée : {found.publisher}/{found.name}")
    print("\n".join(applied_lines(found)))
    print(AT_ONCE)
    return 0


def applied_lines(found: AppliedList) -> list[str]:
    """What ``blocklists`` says of one applied list: its places and their state here."""
    lines = [shown(f"  titre : {found.title}")] if found.title else []
    if not found.held:
        lines.append("  liste absente du flux copié (retirée par son éditeur) : rien n'est masqué")
    for place in found.places:
        reason = f" ({place.reason})" if place.reason else ""
        lines.append(shown(f"  {place.did}{reason} : {place.state_label}"))
        if place.state == "to-confirm":
            lines.append(
                f"    pour le masquer : maillage apply-blocklist {found.publisher}/{found.name} "
                f"--confirm {place.did}"
            )
    if found.held and not found.places:
        lines.append("  liste vide")
    return lines


@guarded
def run_blocklists(args: argparse.Namespace) -> int:
    from node.federation.peers import wanted_feeds
    from node.hidden import applied_lists

    with open_node(args) as node:
        found = applied_lists(node.store, node.key.did)
        wanted = wanted_feeds(node.store, node.key.did, node.settings.max_hops)
    if not found:
        print("aucune liste appliquée (aucune ne l'est par défaut) ; maillage apply-blocklist DID")
        return 0
    for item in found:
        print(f"liste « {item.name} » de {item.publisher}, appliquée depuis {item.applied_at}")
        print("\n".join(applied_lines(item)))
        if item.publisher not in wanted:
            print("  flux de l'éditeur plus copié : la liste n'est plus mise à jour ici")
    return 0
