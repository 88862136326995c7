"""``maillage import``: publish the places of a CSV file as ``listing`` records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from node.cli.common import CommandError, ProgressBar, add_home_argument, open_node
from node.cli.terminal import shown

DESCRIPTION = """\
Publie chaque ligne d'un fichier CSV comme une fiche « lieu recensé » (collection listing)
signée par ce nœud, avec sa provenance (source, licence, date) : le lieu n'a pas encore
son propre nœud. Une ligne invalide est signalée avec son numéro et la raison, puis
ignorée. Relancer l'import met à jour les fiches (même identifiant) et n'écrit rien pour
une ligne inchangée.

--format cget : le recensement 2019 des tiers-lieux (CGET, Mission Coworking), tel que
publié (colonnes ID, NOM_TL, ADRESSE, CP, NOMCOM, INSEECOM, INSEEDEP, INSEEREG, LAT,
LONG, WEB, TYPO…).

--format csv : tout autre fichier, avec --mapping CORRESPONDANCE.json, un objet JSON :
  {
    "source": "Réseau des tiers-lieux de Dordogne, inventaire 2024",  (obligatoire)
    "prefix": "tl24",             (obligatoire : identifiant des fiches = tl24-<id>)
    "licence": "Licence Ouverte / Open Licence 2.0",
    "date": "2024-03-01",
    "delimiter": ";",             (par défaut ",")
    "encoding": "utf-8",          (par défaut utf-8 ; "cp1252" pour un export Excel)
    "columns": {                  (champ → nom de la colonne du fichier)
      "source_id": "Identifiant", "name": "Nom",              (obligatoires)
      "street": "Adresse", "postcode": "CP", "city": ["Commune", "Ville"],
      "insee_code": "Code INSEE", "department": "Dép", "region": "Région",
      "lat": "Latitude", "lon": "Longitude", "website": "Site web",
      "families": "Type", "summary": "Résumé", "description": "Description"
    },
    "families": {"Tiers-lieu numérique": ["mediation-numerique"]}
  }
Une liste de colonnes prend la première non vide. Voir docs/import.md.

Statut 0 : import fait (même avec des lignes ignorées) ; 2 : le fichier, la
correspondance ou le nœud sont inutilisables.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="importer des lieux d'un fichier CSV (recensement CGET 2019 ou autre)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_home_argument(parser)
    parser.add_argument(
        "--format",
        choices=("cget", "csv"),
        required=True,
        help="cget : recensement CGET 2019 ; csv : autre fichier, avec --mapping",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        metavar="CORRESPONDANCE.json",
        help="correspondance champ → colonne (obligatoire avec --format csv)",
    )
    parser.add_argument("file", type=Path, metavar="FICHIER", help="le fichier CSV à importer")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from node.io.csv_import import ImportFileError, ImportInterrupted, import_file
    from node.io.csv_mapping import CGET_2019, MappingError, load_mapping
    from node.store.database import StoreError

    if args.format == "csv" and args.mapping is None:
        raise CommandError("--format csv demande --mapping CORRESPONDANCE.json (voir --help)")
    if args.format == "cget" and args.mapping is not None:
        raise CommandError("--mapping ne s'emploie qu'avec --format csv")
    try:
        mapping = CGET_2019 if args.mapping is None else load_mapping(args.mapping)
    except MappingError as exc:
        raise CommandError(str(exc)) from None
    progress = ProgressBar("Import", "lignes") if sys.stderr.isatty() else None
    with open_node(args) as node:
        try:
            summary = import_file(node, args.file, mapping, progress)
        # a full disk stops it: what is stored and how to resume is said, in French
        except (ImportFileError, ImportInterrupted, StoreError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            if progress is not None:
                progress.close()
    print("\n".join(shown(line) for line in summary.lines()))
    return 0
