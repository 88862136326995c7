"""``maillage profile|offer|need``: publish, withdraw and list the place's own records.

Every write is one signed entry appended through the store, so these commands work whether
the node is serving or not (SQLite serialises writers across processes).

Exit status, the same for every subcommand:

* 0 — done (or nothing to do: a record put again unchanged is not rewritten);
* 1 — the record was refused for its content (JSON syntax, duplicate field, number with a
  decimal point, a field breaking the rules, entry too large); each problem is printed as
  ``champ : problème`` and nothing is written;
* 2 — the command could not run (file unreadable, invalid ``--rid``, unknown record to
  withdraw, home or database unusable, frozen feed); nothing is written.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from node.cli.common import CommandError, add_home_argument, open_node
from node.publishing.kinds import NEED, OFFER, PROFILE, Kind

if TYPE_CHECKING:
    from node.io.record_file import RecordFileError

NOTHING_WRITTEN = "rien n'a été écrit"
EXIT_HELP = (
    "Statut 0 : fait ; 1 : enregistrement refusé pour son contenu (chaque problème est "
    "affiché « champ : problème ») ; 2 : commande impossible. En cas d'erreur, rien n'est écrit."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profile", help="publier ou afficher le profil du lieu", description=EXIT_HELP
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    put = _add(actions, "put", "publier le profil du lieu depuis un fichier JSON", PROFILE, run_put)
    put.add_argument("file", metavar="FICHIER", help="fichier JSON, ou - pour l'entrée standard")
    show = _add(actions, "show", "afficher le profil publié", PROFILE, run_show)
    show.add_argument("--json", action="store_true", help="afficher le JSON publié")
    for kind in (OFFER, NEED):
        parser = subparsers.add_parser(
            kind.col, help=f"publier, retirer ou lister les {kind.plural} du lieu"
        )
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        put = _add(
            actions, "put", f"publier ou modifier un{kind.agree('')} {kind.noun}", kind, run_put
        )
        put.add_argument(
            "--rid",
            metavar="ID",
            help="identifiant : sans --rid, il est tiré du titre et jamais réutilisé ; "
            "avec l'identifiant d'une fiche existante, la fiche est modifiée",
        )
        put.add_argument(
            "file", metavar="FICHIER", help="fichier JSON, ou - pour l'entrée standard"
        )
        remove = _add(actions, "del", f"retirer un{kind.agree('')} {kind.noun}", kind, run_del)
        remove.add_argument("rid", metavar="ID", help="identifiant, tel que l'affiche list")
        listing = _add(
            actions, "list", f"lister les {kind.plural} publié{kind.agree('')}s", kind, run_list
        )
        listing.add_argument("--json", action="store_true", help="afficher un tableau JSON")


def _add(
    actions, name: str, summary: str, kind: Kind, handler: Callable
) -> argparse.ArgumentParser:
    parser = actions.add_parser(
        name, help=summary, description=f"{summary[0].upper()}{summary[1:]}. {EXIT_HELP}"
    )
    add_home_argument(parser)
    parser.set_defaults(handler=functools.partial(_guarded, handler, kind))
    return parser


def _guarded(handler: Callable[[argparse.Namespace, Kind], int], kind: Kind, args) -> int:
    """Run ``handler``; database failures become a French message and status 2."""
    import sqlite3

    from node.publishing.refusal import Refused
    from node.store.database import StoreError

    try:
        return handler(args, kind)
    except Refused as exc:
        raise CommandError(f"{exc.message} ; {NOTHING_WRITTEN}") from None
    except (StoreError, sqlite3.Error) as exc:
        raise CommandError(f"base de données inutilisable : {exc} ; {NOTHING_WRITTEN}") from None


# -- put / del ----------------------------------------------------------------------------


def run_put(args: argparse.Namespace, kind: Kind) -> int:
    # The record models (pydantic) are imported by put alone: list, show and del run without.
    from node.io.record_file import RecordFileError, read_record
    from node.publishing import records
    from node.publishing.refusal import Refused

    rid = None if kind is PROFILE else getattr(args, "rid", None)
    if rid is not None:
        rid = check_rid(rid, "--rid")
    try:
        body = read_record(args.file, kind.col)
        with open_node(args) as node:
            outcome = records.put(node.store, node.key, kind, rid, body)
    except RecordFileError as exc:
        return refuse(args, kind, exc)
    except Refused as exc:
        if exc.code != "too-large":
            raise
        # The content is refused, as for a field breaking a rule.
        return refuse(args, kind, RecordFileError([("", exc.message)]))
    if outcome.entry is None:
        print(f"{kind.named(outcome.rid)} {kind.agree('inchangé')} : {NOTHING_WRITTEN}")
        return 0
    done = kind.agree("mis") + " à jour" if outcome.updated else kind.agree("publié")
    print(f"{kind.named(outcome.rid)} {done} (entrée n° {outcome.entry.seq})")
    return 0


def run_del(args: argparse.Namespace, kind: Kind) -> int:
    from node.publishing import records

    rid = check_rid(args.rid, "ID")
    with open_node(args) as node:
        entry = records.withdraw(node.store, node.key, kind, rid).entry
    assert entry is not None
    print(f"{kind.named(rid)} {kind.agree('retiré')} (entrée n° {entry.seq})")
    return 0


def check_rid(rid: str, option: str) -> str:
    from protocol.header import RID_RE

    if RID_RE.fullmatch(rid) is None:
        raise CommandError(
            f"{option} : « {rid} » n'est pas un identifiant valide (1 à 128 caractères : lettres "
            f"sans accent, chiffres, « . », « _ », « : », « - ») ; {NOTHING_WRITTEN}"
        )
    return rid


def refuse(args: argparse.Namespace, kind: Kind, error: RecordFileError) -> int:
    """Print why a record was refused; status 2 if the file was unreadable, else 1."""
    source = "entrée standard" if args.file == "-" else args.file
    if error.unreadable:
        message = "; ".join(m for _, m in error.problems)
        print(f"maillage : {message} ; {NOTHING_WRITTEN}", file=sys.stderr)
        return 2
    count = len(error.problems)
    print(
        f"maillage : {kind.noun} {kind.agree('refusé')} ({source}, {count} "
        f"problème{'s' if count > 1 else ''}) ; {NOTHING_WRITTEN} :",
        file=sys.stderr,
    )
    for field, message in error.problems:
        print(f"  {field} : {message}" if field else f"  {message}", file=sys.stderr)
    return 1


# -- list / show --------------------------------------------------------------------------


def run_list(args: argparse.Namespace, kind: Kind) -> int:
    from node.cli.describe import listing_line

    with open_node(args) as node:
        held = node.store.records(kind.col, author=node.key.did)
    if args.json:
        rows = [{"rid": r.rid, "seq": r.seq, "entry": r.entry_id, "body": r.body} for r in held]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not held:
        print(f"{kind.agree('aucun')} {kind.noun} {kind.agree('publié')}")
    else:
        for record in held:
            print(listing_line(record.rid, record.body, kind.feminine))
    return 0


def run_show(args: argparse.Namespace, kind: Kind) -> int:
    from node.cli.describe import profile_lines

    with open_node(args) as node:
        record = node.store.record(node.key.did, "profile", "profile")
    if args.json:
        print(json.dumps(None if record is None else record.body, ensure_ascii=False, indent=2))
    elif record is None or record.body is None:
        print("aucun profil publié ; publiez-le avec « maillage profile put FICHIER.json »")
    else:
        print("\n".join(profile_lines(record.body)))
        print(f"(entrée n° {record.seq})")
    return 0
