"""``maillage mute|unmute|mutes``: hide a place from this node, show it again, list them.

A mute is local (a row of the store, never an entry): nothing is published, other nodes are
unaffected. A serving node applies it within a second (``node.federation.hiding``).
"""

from __future__ import annotations

import argparse

from node.cli.common import open_node
from node.cli.follow import _add
from node.cli.follow import _guarded as guarded
from node.cli.terminal import shown

#: Said after a change: when it takes effect.
AT_ONCE = "le nœud, s'il sert, l'applique dans la seconde"


def register(subparsers: argparse._SubParsersAction) -> None:
    mute = _add(subparsers, "mute", "masquer un lieu sur ce nœud (rien n'est publié)", run_mute)
    mute.add_argument("did", metavar="DID", help="identifiant du lieu (did:key:z…)")
    mute.add_argument("--reason", default="", metavar="TEXTE", help="pourquoi (note locale)")
    unmute = _add(subparsers, "unmute", "ne plus masquer un lieu sur ce nœud", run_unmute)
    unmute.add_argument("did", metavar="DID", help="identifiant du lieu (did:key:z…)")
    _add(subparsers, "mutes", "lister les lieux masqués, avec raison et origine", run_mutes)


@guarded
def run_mute(args: argparse.Namespace) -> int:
    from node.publishing import mutes

    with open_node(args) as node:
        again = mutes.mute(node.store, node.key.did, args.did, args.reason)
        name = mutes.place_name(node.store, args.did.strip())
    label = f"« {shown(name)} » ({args.did.strip()})" if name else args.did.strip()
    done = "raison mise à jour pour" if again else "lieu masqué :"
    print(f"{done} {label} ; {AT_ONCE} (rien n'est publié)")
    return 0


@guarded
def run_unmute(args: argparse.Namespace) -> int:
    from node.publishing import mutes

    with open_node(args) as node:
        mutes.unmute(node.store, args.did)
    print(f"lieu de nouveau visible : {args.did.strip()} ; {AT_ONCE}")
    return 0


@guarded
def run_mutes(args: argparse.Namespace) -> int:
    from node.publishing import mutes

    with open_node(args) as node:
        lines = [
            shown(f"{f'« {m.name} » ' if m.name else ''}{m.did}  ({m.source})")
            + shown(f" : {m.reason}" if m.reason else "")
            for m in mutes.masked(node.store, node.key.did)
        ]
    print("\n".join(lines) or "aucun lieu masqué sur ce nœud")
    return 0
