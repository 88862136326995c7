"""``maillage export``: every record the node holds, as CSV, GeoJSON or JSON-LD.

The data goes to standard output, or to ``--output FICHIER`` written atomically (a temporary
file in the same folder, renamed at the end: an interrupted export never leaves half a file
behind). A French summary goes to standard error; a progress bar too, on a terminal, for
big exports. What is exported, and the CSV choices, are described in :mod:`node.io.export`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from node.cli.common import CommandError, ProgressBar, add_home_argument, open_node
from node.io import export_columns

if TYPE_CHECKING:
    from node.io.export import Export

#: Below this many records the export is instant: no progress bar.
PROGRESS_FROM = 2000

DESCRIPTION = """\
Exporte tous les enregistrements en vigueur que détient le nœud : les siens et ceux des
flux copiés (profils, lieux recensés, offres, besoins, suivis…). Un enregistrement retiré
n'est pas exporté ; les flux gelés après une fourche non plus (deux versions signées de
leur histoire existent : le résumé les compte).

--format csv : une ligne par enregistrement, colonnes fixes (voir plus bas), UTF-8 avec
  BOM et « ; » entre les colonnes : le fichier s'ouvre tel quel dans Excel et LibreOffice
  en français (--delimiter , pour des virgules ; --no-body sans la colonne JSON body,
  pour les outils qui devinent le séparateur, comme csvkit). Les nombres décimaux gardent leur point
  (44.8378). Une cellule qui commencerait par = + - @ est précédée d'une apostrophe, pour
  qu'un tableur ne l'exécute jamais comme une formule. Les listes sont séparées par « ; ».
--format geojson : une FeatureCollection (RFC 7946, coordonnées [longitude, latitude])
  des enregistrements qui ont une position (la leur ; pour une offre ou un besoin, celle
  du lieu de son auteur), mêmes propriétés que les colonnes du CSV.
--format jsonld : un document JSON-LD schema.org (@graph) : lieux (Place, LocalBusiness),
  offres (Offer), besoins (Demand), suivis (FollowAction), comme dans les pages du nœud.
  Les adresses des pages partent de public_url (réglez-la pour des adresses publiques).

Colonnes du CSV (et propriétés GeoJSON) :
{columns}

Statut 0 : export fait ; 2 : nœud, format ou fichier de sortie inutilisables.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    width = max(len(name) for name, _ in export_columns.COLUMNS)
    columns = "\n".join(f"  {name:<{width}}  {text}" for name, text in export_columns.COLUMNS)
    parser = subparsers.add_parser(
        "export",
        help="exporter tous les enregistrements détenus (CSV, GeoJSON, JSON-LD)",
        description=DESCRIPTION.format(columns=columns),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_home_argument(parser)
    parser.add_argument(
        "--format",
        choices=export_columns.FORMATS,
        default="csv",
        help="csv (par défaut), geojson ou jsonld",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FICHIER",
        help="fichier à écrire (par défaut : la sortie standard)",
    )
    parser.add_argument(
        "--col",
        action="extend",
        nargs="+",
        metavar="COLLECTION",
        help="seulement ces collections, par exemple --col offer need (par défaut : toutes)",
    )
    parser.add_argument(
        "--delimiter",
        choices=tuple(export_columns.DELIMITERS),
        default=";",
        metavar="SÉPARATEUR",
        help="séparateur des colonnes du CSV : « ; » (par défaut), « , » ou tab",
    )
    parser.add_argument(
        "--no-body",
        action="store_true",
        help="CSV sans la dernière colonne, body (l'enregistrement complet en JSON), et chaque "
        "cellule entre guillemets : les outils qui devinent le séparateur (csvkit, pandas) "
        "le trouvent",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    from node.hidden import hidden_authors
    from node.io import export as formats
    from node.io import export_formats
    from node.store.database import StoreError

    if args.no_body and args.format != "csv":
        raise CommandError(f"--no-body ne vaut que pour --format csv (pas {args.format})")
    cols = _cols(args.col)
    began = time.monotonic()
    with open_node(args) as node:
        base = str(node.settings.public_url or "").rstrip("/")
        if not base:
            host, port = node.settings.host, node.settings.port
            base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        with _destination(args.output) as stream:
            progress = (
                ProgressBar("Export", "enregistrements", PROGRESS_FROM)
                if sys.stderr.isatty()
                else None
            )
            try:
                hidden = hidden_authors(node.store, node.key.did)  # what this node hides
                export = formats.gather(node.store, cols, base, progress, hidden)
            except (StoreError, sqlite3.Error) as exc:
                raise CommandError(f"base de données inutilisable : {exc}") from None
            finally:
                if progress is not None:
                    progress.close()
            _write(
                stream,
                export_formats.chunks(export, args.format, args.delimiter, body=not args.no_body),
                args.output,
            )
    seconds = time.monotonic() - began
    sys.stderr.write("\n".join(summary(export, args.format, cols, seconds, args.output)) + "\n")
    return 0


def _cols(cols: list[str] | None) -> list[str] | None:
    if not cols:
        return None
    from protocol.header import COL_RE

    for col in cols:
        if not COL_RE.fullmatch(col):
            raise CommandError(
                f"--col : « {col} » n'est pas un nom de collection (lettres minuscules, "
                "chiffres, . et -, par exemple offer)"
            )
    return list(dict.fromkeys(cols))


@contextlib.contextmanager
def _destination(output: Path | None):
    """Standard output, or a temporary file beside ``output`` renamed over it on success."""
    if output is None or str(output) == "-":
        yield getattr(sys.stdout, "buffer", None) or _TextOutput(sys.stdout)
        return
    if output.is_dir():
        raise CommandError(f"--output : {output} est un dossier, pas un fichier")
    folder = output.parent
    import tempfile

    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    except OSError as exc:
        raise CommandError(f"impossible d'écrire dans {folder} : {_reason(exc)}") from None
    done = False
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode(output))
        os.replace(temporary, output)
        done = True
    except OSError as exc:
        raise CommandError(f"impossible d'écrire {output} : {_reason(exc)}") from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


class _TextOutput:
    """A text stream (standard output replaced by a ``StringIO``) taking whole UTF-8 chunks."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, chunk: bytes) -> None:
        self.stream.write(chunk.decode("utf-8"))

    def flush(self) -> None:
        self.stream.flush()


def _mode(output: Path) -> int:
    """The mode of the file being replaced, else the usual one (0666 less the umask)."""
    try:
        return output.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    """Why ``exc`` happened, in French when it is a usual reason."""
    reasons = {
        errno.EACCES: "permission refusée",
        errno.EPERM: "permission refusée",
        errno.ENOENT: "dossier introuvable",
        errno.EISDIR: "c'est un dossier",
        errno.ENOSPC: "disque plein",
        errno.EROFS: "système de fichiers en lecture seule",
        errno.EDQUOT: "quota de disque dépassé",
    }
    return reasons.get(exc.errno or 0) or exc.strerror or str(exc)


def _write(stream: BinaryIO, chunks: Iterable[bytes], output: Path | None) -> None:
    try:
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, and keep Python from complaining
        # again when it flushes standard output at exit.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        raise
    except OSError as exc:
        where = output if output is not None else "la sortie standard"
        raise CommandError(f"impossible d'écrire {where} : {_reason(exc)}") from None


def summary(
    export: Export,
    format: str,
    cols: list[str] | None,
    seconds: float,
    output: Path | None,
) -> list[str]:
    """The French summary printed on standard error."""
    from node.io import export as formats
    from node.io import export_jsonld as export_ld

    counts = export.counts()
    total = sum(counts.values())
    kind = {"csv": "CSV", "geojson": "GeoJSON", "jsonld": "JSON-LD"}[format]
    duration = f"{seconds:.1f}".replace(".", ",")
    authors = len({item.record.author for item in export.items})
    lines = [
        f"Export {kind} : {_n(total, 'enregistrement')} "
        f"de {_n(authors, 'flux', 'flux')} en {duration} s."
    ]
    width = max((len(col) for col in counts), default=0)
    for col in sorted(counts, key=formats.col_rank):
        label = formats.COL_LABELS.get(col, col)
        lines.append(f"  {col:<{width}} : {counts[col]:>6}  ({label})")
    for col in cols or ():
        if col not in counts:
            lines.append(f"  {col} : aucun enregistrement de cette collection")
    left_out = {
        "geojson": ("sans position, absents du GeoJSON", formats.unlocated),
        "jsonld": ("sans équivalent schema.org, absents du JSON-LD", export_ld.jsonld_left_out),
    }
    if format in left_out:
        why, count = left_out[format]
        missing = count(export)
        if missing:
            detail = ", ".join(f"{col} {n}" for col, n in sorted(missing.items()))
            lines.append(f"  {why} : {sum(missing.values())} ({detail})")
    if export.withheld:
        lines.append(
            f"  non exportés : {_n(export.withheld, 'contenu retiré')} par son auteur"
            if export.withheld == 1
            else f"  non exportés : {export.withheld} contenus retirés par leur auteur"
        )
    if export.forked_feeds:
        lines.append(
            f"  non exportés : {_n(export.forked_records, 'enregistrement')} de "
            f"{_n(export.forked_feeds, 'flux gelé', 'flux gelés')} après une fourche "
            "(voir maillage peers)"
        )
    if output is not None and str(output) != "-":
        lines.append(f"Écrit dans {output}")
    return lines


def _n(count: int, singular: str, plural: str | None = None) -> str:
    word = singular if count <= 1 else (plural or singular + "s")
    return f"{count} {word}"
