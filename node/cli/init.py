"""``maillage init``: create a node's home (key, documented settings file, store).

Contract: the did alone on standard output (``DID=$(maillage init …)`` works), the French
explanation on standard error; exit 0. It also makes the recovery key
(``recovery-key.pem``, to keep offline) and publishes the feed's commitment to it as entry 1
(``docs/cles.md``). Exit 2, with nothing created or changed, when the
home already holds anything, or when ``--name`` or ``--url`` is unusable.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from urllib.parse import urlsplit

from node.cli.common import CommandError, add_home_argument, home_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="créer le nœud d'un lieu : sa clé (son identité), ses réglages, sa base",
        description=(
            "Crée le dossier du nœud : la clé privée du lieu (fichier lisible par vous seul), "
            "un fichier de réglages commenté et la base de données. Affiche l'identifiant du "
            "lieu (did). Ne touche jamais à un dossier qui contient déjà quelque chose. "
            "Statut 0 si le nœud est créé, 2 sinon (rien n'est alors créé)."
        ),
    )
    add_home_argument(parser)
    parser.add_argument("--name", required=True, metavar="NOM", help="nom du lieu")
    parser.add_argument(
        "--url",
        default=None,
        metavar="ADRESSE",
        help="adresse publique du nœud, par exemple https://fablab.exemple.fr",
    )
    parser.add_argument(
        "--no-recovery-key",
        action="store_true",
        help=(
            "ne pas créer de clé de secours maintenant (à créer plus tard avec "
            "« maillage key recovery » ; sans elle, une clé volée ne se reprend pas)"
        ),
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from node.cli.keys import RECOVERY_EXPLAINED, make_recovery_key
    from node.home import HomeError, create_home

    name = check_name(args.name)
    url = None if args.url is None else check_url(args.url)
    home = home_of(args)
    try:
        node = create_home(home, name, url)
    except HomeError as exc:
        raise CommandError(str(exc)) from None
    with node:
        settings = node.settings
        did = node.key.did
        recovery = None if args.no_recovery_key else make_recovery_key(node)
    print(did, flush=True)
    if recovery is None:
        secours = (
            "Pas de clé de secours : créez-en une avant d'ouvrir le nœud aux autres "
            f"(maillage key recovery --home {home}).\n"
        )
    else:
        secours = (
            RECOVERY_EXPLAINED.format(path=recovery[0].absolute(), seq=recovery[1].seq, home=home)
            + "\n"
        )
    print(
        f"Nœud « {name} » créé dans {home.absolute()}.\n"
        f"Identité du lieu (did) : {did}\n"
        f"Clé privée : {settings.key_path.absolute()} (lisible par vous seul).\n"
        "Cette clé signe le journal du lieu : sauvegardez-la en lieu sûr. Perdue ou volée, "
        "seule la clé de secours ci-dessous permet de reprendre le journal ; copiée sur une "
        "autre machine qui publie aussi, elle fait bifurquer le journal du lieu, que les autres "
        "nœuds bloquent alors.\n"
        f"Réglages : {settings.settings_path.absolute()}\n"
        + secours
        + f"Ensuite : maillage profile put --home {home} profil.json",
        file=sys.stderr,
    )
    return 0


def max_name() -> int:
    """The longest name the settings accept (their rule for ``name``)."""
    from node.settings import Settings

    return next(
        rule.max_length
        for rule in Settings.model_fields["name"].metadata
        if hasattr(rule, "max_length")
    )


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise CommandError("--name : le nom du lieu ne doit pas être vide")
    if len(name) > (longest := max_name()):
        raise CommandError(f"--name : le nom du lieu ne doit pas dépasser {longest} caractères")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        raise CommandError(
            "--name : le nom du lieu ne doit contenir ni retour à la ligne ni caractère de contrôle"
        )
    return name


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) address, else a French :class:`CommandError`."""
    from pydantic import AnyHttpUrl, TypeAdapter, ValidationError

    problem = None
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        problem = "doit commencer par https:// (ou http://)"
    elif not parts.hostname:
        problem = "il manque le nom de la machine, par exemple https://fablab.exemple.fr"
    elif any(c.isspace() or unicodedata.category(c) == "Cc" for c in url):
        problem = "ne doit pas contenir d'espace"
    elif parts.username or parts.password:
        problem = "ne doit pas contenir d'identifiant ni de mot de passe"
    elif parts.query or parts.fragment:
        problem = "ne doit contenir ni « ? » ni « # »"
    else:
        try:
            return str(TypeAdapter(AnyHttpUrl).validate_python(url))
        except ValidationError:
            problem = "n'est pas une adresse web valide"
    raise CommandError(f"--url : « {url} » {problem} ; exemple : --url https://fablab.exemple.fr")
