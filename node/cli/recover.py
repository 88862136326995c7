"""``maillage recover``: after restoring a backup, take back from the peers the place's own
entries that the restored base lacks, before publishing anything
(see :mod:`node.federation.recover`).

Exit status: 0 — every peer answered, and the base is up to date or was completed; 1 — some
peer could not be asked (what the others gave is kept), or the base refused the entries;
2 — the command could not run; 3 — ``--check`` only: the peers hold entries the base lacks;
4 — fork: two different entries signed by the place's key carry one seq; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from node.cli.common import CommandError, add_home_argument, home_of, open_node
from node.cli.terminal import shown

if TYPE_CHECKING:
    from node.federation import recover
    from node.settings import Settings
    from node.store.database import Store
    from protocol.keys import SigningKey

OK, INCOMPLETE, BEHIND, FORK = 0, 1, 3, 4


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recover",
        help="après une restauration : reprendre chez les pairs les entrées du lieu qui "
        "manquent à la base, avant de publier",
        description=(
            "Demande aux pairs (par défaut les nœuds que le lieu suit ; sinon --from) la copie "
            "qu'ils ont du flux du lieu, vérifie chaque entrée et ajoute à la base celles qui "
            "lui manquent. À lancer après toute restauration, avant de publier quoi que ce "
            "soit. Si la base est absente (clé et réglages seuls), elle est recréée depuis les "
            "pairs donnés par --from. Statut 0 : base à jour ou complétée ; 1 : un pair n'a pas "
            "pu être consulté ; 2 : commande impossible ; 3 (avec --check) : des pairs ont des "
            "entrées que la base n'a pas ; 4 : fourche (rien n'est écrit)."
        ),
    )
    add_home_argument(parser)
    parser.add_argument(
        "--from",
        dest="urls",
        action="append",
        metavar="URL",
        help="adresse d'un nœud qui suit le lieu (option répétable)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="seulement vérifier si des pairs ont plus d'entrées du lieu que la base",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from node.store.database import StoreError
    from protocol.errors import ProtocolError

    home = home_of(args)
    settings, key, store = _open(args, home)
    try:
        return _recover(args, home, settings, key, store)
    except (StoreError, sqlite3.Error) as exc:
        raise CommandError(f"base de données inutilisable : {exc}") from None
    except ProtocolError as exc:
        raise CommandError(f"base de données abîmée : {exc}") from None
    finally:
        if store is not None:
            store.close()


def _open(args: argparse.Namespace, home: Path) -> tuple[Settings, SigningKey, Store | None]:
    """The node's settings, key and store; no store when the backup held only the key."""
    from node.home import _key_problem, load_identity
    from node.settings import Settings, SettingsError
    from protocol.keys import KeyFileError

    try:
        settings = Settings.load(home)
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    if settings.store_path.is_file():
        node = open_node(args)
        return node.settings, node.key, node.store
    try:
        key = load_identity(settings)  # after a rotation: the new key, for the same did
    except KeyFileError:
        raise CommandError(_key_problem(settings.key_path)) from None
    return settings, key, None


def _recover(
    args: argparse.Namespace,
    home: Path,
    settings: Settings,
    key: SigningKey,
    store: Store | None,
) -> int:
    import asyncio

    from node.federation import recover
    from node.store.database import Store

    did = key.did
    if args.urls:
        urls = args.urls
    elif store is None:
        raise CommandError(
            f"base de données {settings.store_path} absente : donnez l'adresse d'au moins un "
            "nœud qui suit le lieu avec --from URL, pour y reprendre son flux"
        )
    else:
        urls = recover.default_peers(store, did, settings.public_url)
        if not urls:
            raise CommandError(
                "aucun pair à interroger : le lieu ne suit aucun nœud ; donnez l'adresse d'un "
                "nœud qui suit le lieu avec --from URL"
            )
    frozen = store.fork(did) if store is not None else None
    if frozen is not None:  # recorded earlier: the base itself holds the proof
        _explain_fork(recover.Conflict(frozen, recover.LOCAL, recover.LOCAL))
        return FORK

    if store is None:
        local = 0
        print(f"Base absente : le flux du lieu ({did}) sera repris chez les pairs.", flush=True)
    else:
        head = store.feed(did)
        local = head.seq if head is not None else 0
        print(f"Votre base : flux du lieu au n° {local} ({did}).", flush=True)

    def progress(peer: recover.PeerReport) -> None:
        print(f"  {shown(peer.url)} : {shown(_peer_line(peer, local))}", flush=True)

    outcome = asyncio.run(recover.gather(store, did, urls, settings, progress))

    if outcome.conflict is not None:
        _explain_fork(outcome.conflict)
        return FORK
    if args.check:
        return _report_check(outcome, home)
    if outcome.found:
        created = store is None
        if store is None:
            store = Store(settings.store_path)
        try:
            recover.apply(store, outcome)
        finally:
            if created:
                store.close()
                if not outcome.stored:  # an empty base would let the feed restart at n° 1
                    _remove_store(settings.store_path)
        if outcome.conflict is not None:
            _explain_fork(outcome.conflict)
            return FORK
        if outcome.refused is not None:
            print(f"Rien n'a été écrit : {outcome.refused}. Relancez la commande.", file=sys.stderr)
            return INCOMPLETE
        verb = "Base recréée : " if created else ""
        print(
            f"{verb}{outcome.stored} entrée(s) récupérée(s) et vérifiée(s) : le flux du lieu "
            f"est maintenant au n° {outcome.head}."
        )
    elif store is None:
        print(
            "Aucun pair consulté n'a d'entrée du lieu : aucune base n'a été créée. Si le lieu "
            "n'a vraiment jamais rien publié, repartez d'un dossier neuf avec « maillage init »."
        )
        return INCOMPLETE
    elif not outcome.failed:
        print(
            f"Votre base est à jour : aucun pair n'a d'entrée plus récente que le n° "
            f"{outcome.local}. Vous pouvez publier."
        )
    return _report_failures(outcome)


def _remove_store(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        name.unlink(missing_ok=True)


def _peer_line(peer: recover.PeerReport, local: int) -> str:
    if peer.error is not None:
        return f"{peer.error} ; ce pair est ignoré"
    if peer.held == 0:
        return "aucune copie du flux du lieu"
    if peer.newer:
        return f"flux au n° {local + peer.newer}, soit {peer.newer} entrée(s) de plus que la base"
    return f"rien de plus récent (flux au n° {peer.held})"


def _report_check(outcome: recover.Outcome, home: Path) -> int:
    if outcome.found:
        print(
            f"Vos pairs ont {len(outcome.found)} entrée(s) du lieu que votre base n'a pas "
            f"(jusqu'au n° {outcome.local + len(outcome.found)}). Ne publiez rien : lancez "
            f"d'abord « maillage recover --home {home} »."
        )
        return BEHIND
    if not outcome.failed and outcome.local == 0:
        print("Aucun pair consulté n'a d'entrée du lieu.")
    elif not outcome.failed:
        print(f"Votre base est à jour (n° {outcome.local}) : aucun pair n'a rien de plus récent.")
    return _report_failures(outcome)


def _report_failures(outcome: recover.Outcome) -> int:
    failed = outcome.failed
    if not failed:
        return OK
    print(
        f"{len(failed)} pair(s) n'ont pas pu être consultés : ils ont peut-être des entrées "
        "plus récentes du lieu. Avant de publier, relancez la commande quand ils répondent, "
        "ou donnez d'autres pairs avec --from.",
        file=sys.stderr,
    )
    return INCOMPLETE


def _explain_fork(conflict: recover.Conflict) -> None:
    proof = conflict.proof
    print(
        f"FOURCHE : deux entrées différentes, signées toutes deux par la clé du lieu, portent "
        f"le n° {proof.seq} :\n"
        f"  {proof.first.id} ({conflict.first_from})\n"
        f"  {proof.second.id} ({conflict.second_from})\n"
        "La clé du lieu a servi sur deux machines (un ancien nœud encore allumé, une copie de "
        "la clé…). Rien n'a été écrit. Ne publiez rien avec cette clé : trouvez l'autre "
        "machine et arrêtez-la. Les nœuds qui reçoivent les deux versions gèlent le flux du "
        "lieu ; s'il l'est, le lieu doit repartir d'une nouvelle identité (guide de "
        "déploiement, section 10).",
        file=sys.stderr,
    )
