"""``maillage admin-link``: print a one-time link to the node's admin pages (``/admin``).

The link carries a random token whose hash goes into ``HOME/admin.sqlite3``: it works
whether the node is serving now or starts later, once, within the minutes given.
"""

from __future__ import annotations

import argparse

from node.cli.common import CommandError, add_home_argument, open_node
from node.store.admin_limits import DEFAULT_LINK_MINUTES, MAX_LINK_MINUTES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "admin-link",
        help="afficher un lien de connexion à la page d'administration",
        description=(
            "Affiche un lien personnel vers la page d'administration du nœud (/admin) : "
            "profil, offres, besoins, lieux suivis. Le lien sert une seule fois ; "
            "ne le partagez pas."
        ),
    )
    add_home_argument(parser)
    parser.add_argument(
        "--valid-minutes",
        type=int,
        default=DEFAULT_LINK_MINUTES,
        metavar="N",
        help=f"durée de validité du lien, en minutes (par défaut {DEFAULT_LINK_MINUTES})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from node.admin.auth import create_login_link
    from node.store.faults import StoreError

    minutes = args.valid_minutes
    if not 1 <= minutes <= MAX_LINK_MINUTES:
        raise CommandError(
            f"--valid-minutes : {minutes} refusé ; de 1 à {MAX_LINK_MINUTES} minutes (24 heures)"
        )
    with open_node(args) as node:
        settings = node.settings
    try:
        link = create_login_link(settings, minutes)
    except StoreError as exc:  # a full disk, a folder in read-only mode…
        raise CommandError(f"lien de connexion impossible à créer : {exc}") from None
    except (OSError, sqlite3.Error) as exc:
        raise CommandError(
            f"impossible d'enregistrer le lien dans {settings.home} : {exc}"
        ) from None
    duration = f"{minutes} minute{'s' if minutes > 1 else ''}"
    print(f"Lien de connexion à l'administration (une seule fois, valable {duration}) :")
    print(link)
    print("Le nœud doit être en service (maillage serve) quand vous l'ouvrez.")
    if settings.public_url is None and settings.port == 0:
        print("(le port est choisi au démarrage : remplacez :0 par celui qu'affiche « serve »)")
    return 0
