"""``maillage key rotate|recovery|recover``: the place's keys (``docs/cles.md``).

- ``rotate``: a new key; an entry signed by the current key names it; the old key file is
  kept as ``key.pem.retired-N``. Followers accept the new key's entries from the next seq.
- ``recovery``: a recovery key for a home made before ``maillage init`` made one.
- ``recover``: after a theft, the recovery key (kept offline) disowns the entries after
  ``--after`` and installs a new key.

Exit 0 when done, 2 with a French message and nothing written otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from node.cli.common import CommandError, add_home_argument, open_node

NOTHING_WRITTEN = "rien n'a été écrit"

RECOVERY_EXPLAINED = (
    "Clé de secours : {path} (lisible par vous seul).\n"
    "Elle seule pourra reprendre le journal du lieu si sa clé est volée ou perdue : le "
    "journal la désigne publiquement (entrée n° {seq}), personne d'autre ne peut donc s'en "
    "réclamer.\n"
    "À FAIRE MAINTENANT : copiez ce fichier sur une clé USB (ou imprimez-le sur papier) que "
    "vous rangez en lieu sûr, hors de ce serveur, puis effacez-le du serveur :\n"
    "    rm {path}\n"
    "Un voleur qui prend le serveur ne doit pas trouver la clé de secours avec la clé du lieu. "
    "Pour reprendre le journal : maillage key recover --home {home} --recovery-key FICHIER "
    "--after N (voir docs/cles.md)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "key",
        help="clés du lieu : rotation, clé de secours, reprise après un vol",
        description=(
            "Gère les clés du lieu sans changer son identité (did) : rotation de la clé, clé "
            "de secours, reprise du journal après un vol de clé. Voir docs/cles.md."
        ),
    )
    actions = parser.add_subparsers(dest="key_action", metavar="ACTION", required=True)
    for name, summary, description, handler in ACTIONS:
        action = actions.add_parser(name, help=summary, description=description)
        add_home_argument(action)
        action.set_defaults(handler=handler)
        if name == "recover":
            action.add_argument(
                "--recovery-key",
                type=Path,
                required=True,
                metavar="FICHIER",
                help="la clé de secours",
            )
            action.add_argument(
                "--after",
                type=_seq,
                required=True,
                metavar="N",
                help="dernier n° d'entrée à garder (le dernier publié avant le vol)",
            )


def _seq(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un n° d'entrée (1, 2, 3…)")
    return int(text)


def _refusals():
    from node.publishing.refusal import Refused
    from node.store.faults import StoreError

    return Refused, StoreError, OSError


def run_rotate(args: argparse.Namespace) -> int:
    from node.publishing import keys

    with open_node(args) as node:
        entry, new_key, retired, _ = _with_next_key(
            node, "rotation", lambda new_did: (keys.rotate(node.store, node.key, new_did), 0)
        )
    print(entry.seq)
    print(
        f"Nouvelle clé du lieu en vigueur à partir de l'entrée n° {entry.seq + 1} : "
        f"{new_key.key_did}.\n"
        f"Le lieu garde son identité : {node.key.did}.\n"
        f"Ancienne clé gardée dans {retired} : elle ne signe plus rien ; les autres nœuds "
        "refusent désormais toute entrée qu'elle signerait.\n"
        "Un « maillage serve » qui tourne signe avec elle dès sa prochaine publication.",
        file=sys.stderr,
    )
    return 0


def _with_next_key(node, doing: str, publish):
    """Save a new key beside the current one, publish the entry that names it
    (``publish(new_did)`` → ``(entry, disowned)``), then install it. Nothing stays behind
    when the entry is refused; an install cut short is finished at the next opening."""
    from node.home import install_next_key, next_key_path, prepare_next_key
    from protocol.keys import SigningKey

    new_key = SigningKey.generate()
    try:
        prepare_next_key(node, new_key)
        entry, disowned = publish(new_key.key_did)
    except _refusals() as exc:
        next_key_path(node.settings).unlink(missing_ok=True)
        raise CommandError(f"{doing} impossible : {_text(exc)} ; {NOTHING_WRITTEN}") from None
    try:
        retired = install_next_key(node.settings)
    except OSError as exc:
        raise CommandError(
            f"{doing} publiée, mais la clé n'a pas pu être installée ({exc}) : la prochaine "
            "commande « maillage » sur ce dossier finira de l'installer"
        ) from None
    return entry, new_key, retired, disowned


def run_recovery(args: argparse.Namespace) -> int:
    with open_node(args) as node:
        path, entry = make_recovery_key(node)
    print(path)
    print(
        RECOVERY_EXPLAINED.format(path=path.absolute(), seq=entry.seq, home=args.home or "…"),
        file=sys.stderr,
    )
    return 0


def make_recovery_key(node):
    """Create the recovery key file (0600) and publish its commitment; a
    :class:`CommandError` if the feed has one or the file exists."""
    from node.home import recovery_key_path
    from node.publishing import keys
    from protocol.keys import SigningKey, save_key

    path = recovery_key_path(node.settings)
    recovery = SigningKey.generate()
    try:
        if node.store.key_state(node.key.did).recovery is not None:
            raise CommandError("ce lieu a déjà une clé de secours ; " + NOTHING_WRITTEN)
        save_key(recovery, path)  # never over a file
    except FileExistsError:
        raise CommandError(f"{path} existe déjà ; {NOTHING_WRITTEN}") from None
    except OSError as exc:
        raise CommandError(f"clé de secours impossible à écrire : {exc}") from None
    try:
        entry = keys.commit_recovery(node.store, node.key, recovery.key_did)
    except _refusals() as exc:
        path.unlink(missing_ok=True)
        raise CommandError(f"{_text(exc)} ; {NOTHING_WRITTEN}") from None
    return path, entry


def run_recover(args: argparse.Namespace) -> int:
    from node.publishing import keys
    from protocol.keys import KeyFileError, load_key

    try:
        recovery = load_key(args.recovery_key)
    except KeyFileError as exc:
        raise CommandError(f"clé de secours illisible : {exc}") from None
    with open_node(args) as node:
        entry, new_key, retired, disowned = _with_next_key(
            node,
            "reprise",
            lambda new_did: keys.recover(node.store, node.key.did, recovery, args.after, new_did),
        )
    print(entry.seq)
    print(
        f"Journal du lieu repris : les entrées après le n° {args.after} sont désavouées "
        f"({disowned} ici) ; les nœuds qui suivent le lieu les effacent à leur prochaine copie.\n"
        f"Nouvelle clé du lieu : {new_key.key_did} (l'ancienne, volée, est gardée dans "
        f"{retired} et ne signe plus rien).\n"
        "Republiez ce qui a été publié après le n° indiqué (un « maillage serve » qui tourne "
        "signe déjà avec la nouvelle clé).",
        file=sys.stderr,
    )
    return 0


def _text(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


#: The actions of ``maillage key``: name, summary, description, handler.
ACTIONS = (
    (
        "rotate",
        "remplacer la clé du lieu par une nouvelle",
        "Crée une nouvelle clé et publie une entrée, signée par la clé actuelle, qui la "
        "désigne : les entrées suivantes sont signées par la nouvelle clé. L'ancienne est "
        "gardée en key.pem.retired-N. Un « maillage serve » qui tourne prend la nouvelle clé "
        "à sa prochaine publication.",
        run_rotate,
    ),
    (
        "recovery",
        "créer la clé de secours d'un nœud qui n'en a pas",
        "Crée une clé de secours (fichier recovery-key.pem) et publie l'entrée qui la "
        "désigne. À copier hors du serveur, puis à effacer du serveur.",
        run_recovery,
    ),
    (
        "recover",
        "reprendre le journal du lieu avec la clé de secours (après un vol)",
        "Publie une entrée signée par la clé de secours : les entrées après le n° --after "
        "sont désavouées (les autres nœuds les effacent) et une nouvelle clé signe la suite.",
        run_recover,
    ),
)
