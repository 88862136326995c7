"""``maillage follow|unfollow|peers|sync|suggest``: choose whom to follow, and replicate.

A follow is a signed ``follow`` record in the place's own log (rid: the followed did; body:
its URL and name), so the follow graph is public. These commands write through the store,
whether the node serves or not (SQLite serialises writers across processes).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from node.cli.common import CommandError, add_home_argument, open_node
from node.cli.records import NOTHING_WRITTEN
from node.cli.terminal import shown

if TYPE_CHECKING:
    from node.home import Node


def register(subparsers: argparse._SubParsersAction) -> None:
    follow = _add(subparsers, "follow", "suivre un lieu (et copier son flux)", run_follow)
    follow.add_argument("url", metavar="URL", help="adresse du nœud du lieu (https://…)")
    unfollow = _add(subparsers, "unfollow", "ne plus suivre un lieu", run_unfollow)
    unfollow.add_argument("target", metavar="URL|DID", help="adresse du nœud ou did du lieu")
    _add(subparsers, "peers", "lister les flux suivis ou copiés et leur état", run_peers)
    _add(subparsers, "sync", "copier maintenant les nouvelles entrées des pairs", run_sync)
    _add(subparsers, "suggest", "lieux suivis par les lieux que vous suivez", run_suggest)


def _add(subparsers, name: str, summary: str, handler) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name, help=summary, description=f"{summary[0].upper()}{summary[1:]}."
    )
    add_home_argument(parser)
    parser.set_defaults(handler=handler)
    return parser


def _guarded(function):
    def run(args: argparse.Namespace) -> int:
        import sqlite3

        from node.publishing.refusal import Refused
        from node.store.database import StoreError

        try:
            return function(args)
        except Refused as exc:
            raise CommandError(f"{exc.message} ; {NOTHING_WRITTEN}") from None
        except (StoreError, sqlite3.Error) as exc:
            raise CommandError(f"base de données inutilisable : {exc}") from None

    return run


# -- follow / unfollow ------------------------------------------------------------------


@_guarded
def run_follow(args: argparse.Namespace) -> int:
    import asyncio

    from node.publishing import follows

    url = follows.node_url(args.url)
    with open_node(args) as node:
        did, name = asyncio.run(follows.discover(url, node.settings))
        outcome = follows.follow(node.store, node.key, url, did, name)
    label = f"« {shown(name)} »" if name else did
    if outcome.entry is None:
        print(f"vous suivez déjà {label} ({url})")
        return 0
    done = "suivi mis à jour" if outcome.updated else "vous suivez maintenant"
    print(f"{done} {label} ({did}, {url}) (entrée n° {outcome.entry.seq})")
    print("ses entrées sont copiées tout de suite si le nœud sert ; sinon : maillage sync")
    return 0


@_guarded
def run_unfollow(args: argparse.Namespace) -> int:
    from node.federation import peers
    from node.publishing import follows

    target = args.target.strip()
    with open_node(args) as node:
        matches = follows.matching(node.store, node.key.did, target)
        if not matches:
            followed = peers.followed(node.store, node.key.did)
            known = ", ".join(sorted(followed.values())) or "aucun"
            raise CommandError(
                f"vous ne suivez pas « {target} » (suivis : {known}) ; {NOTHING_WRITTEN}"
            )
        for did, url in matches.items():
            entry = follows.unfollow(node.store, node.key, did).entry
            assert entry is not None
            print(f"vous ne suivez plus {did} ({shown(url)}) (entrée n° {entry.seq})")
    return 0


# -- peers / sync / suggest ---------------------------------------------------------------


def peer_lines(node: Node) -> list[str]:
    """One line per feed followed or held: URL, did, seq held, last success, status."""
    from node.federation import peers
    from node.hidden import hidden_authors

    store, me = node.store, node.key.did
    settings = node.settings
    capped: dict[str, int] = {}
    per_peer = settings.max_feeds_via_peer
    wanted = peers.wanted_feeds(store, me, settings.max_hops, per_peer, capped)
    hidden = hidden_authors(store, me)
    limit = peers.quota(settings)
    table = peers.peers(store)
    held = {f.author: f.seq for f in store.feeds()}
    lines = []
    for did in [*wanted, *sorted(d for d in held if d not in wanted and d != me)]:
        item = wanted.get(did)
        source = (item.urls or item.via or [None])[0] if item else None
        peer = table.get(source) if source else None
        if item and not item.urls and not item.via:
            url = "recommandé"  # an endorsement alone: fetched from any peer that holds it
        else:
            url = source if item and item.urls else f"via {source}" if source else "—"
        status = peers.status_label(peers.feed_status(store, did, item, peer, limit, hidden))
        last = peer.last_success if peer and peer.last_success else "jamais"
        line = f"{url}  {did}  n° {held.get(did, 0)}  dernier succès : {last}  {status}"
        lines.append(shown(line))
        if capped.get(did):
            lines.append(
                f"  {capped[did]} des lieux qu'il suit ne sont pas copiés (au plus {per_peer} "
                "par lieu : réglage max_feeds_via_peer)"
            )
    return lines


@_guarded
def run_peers(args: argparse.Namespace) -> int:
    with open_node(args) as node:
        lines = peer_lines(node)
    print("\n".join(lines) if lines else "aucun lieu suivi ; suivez-en un : maillage follow URL")
    return 0


@_guarded
def run_sync(args: argparse.Namespace) -> int:
    import asyncio

    from node.federation import peers
    from node.federation.peers import DirectSink
    from node.federation.sync import Replicator

    with open_node(args) as node:
        replicator = Replicator(node.store, node.key.did, node.settings, DirectSink(node.store))
        report = asyncio.run(replicator.run_once(force=True))
        if not report.polled:
            print("aucun pair à interroger ; suivez un lieu : maillage follow URL")
            return 0
        print(f"{len(report.polled)} pair(s) interrogé(s), {report.stored} entrée(s) copiée(s)")
        for did in report.forks:
            print(f"FOURCHE : le flux {shown(did)} est gelé (preuve gardée)")
        for did in report.over_quota:
            print(f"{shown(did)} : {peers.status_label(peers.QUOTA)}")
        for url, status in report.failed.items():
            print(f"{shown(url)} : {shown(peers.status_label(status))}")
    return 0


@_guarded
def run_suggest(args: argparse.Namespace) -> int:
    from node.federation import peers

    with open_node(args) as node:
        found = peers.suggestions(node.store, node.key.did)
    if not found:
        print("aucune suggestion : les lieux que vous suivez ne suivent personne d'autre")
        return 0
    for did, label, count in found:
        print(f"{shown(label or did)}  {shown(did)}  suivi par {count} de vos pairs")
    return 0
