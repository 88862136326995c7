"""Import a CSV file of places as ``listing`` records of the importing node's own log.

Each row becomes one record (rid ``<prefix>-<source id>``, see :mod:`node.io.csv_mapping`). A row
that cannot be a listing is skipped with its line number and the reason, never fatal.
Re-importing updates: a record whose body is unchanged is not written again. Entries are
signed and stored in batches, one transaction per batch: if the store refuses one (a full
disk), the batches before it stay stored, :class:`ImportInterrupted` says how far the import
went, and running the same import again completes it.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.home import Node
from node.io.csv_mapping import Mapping, RowError, row_to_listing
from node.store.faults import StoreError

BATCH = 250
COL = "listing"


class ImportFileError(ValueError):
    """The file cannot be imported at all (unreadable, wrong columns); the message says why."""


class ImportInterrupted(Exception):
    """The store refused a batch (a full disk…): what was stored before it is kept, and
    ``summary`` counts it (its first ``stored_rows`` rows); the message says so in French, and
    how to resume (running the same import again)."""

    def __init__(self, summary: Summary, stored_rows: int, cause: StoreError) -> None:
        self.summary, self.stored_rows, self.cause = summary, stored_rows, cause
        super().__init__(self._message())

    def _message(self) -> str:
        summary, cause = self.summary, self.cause
        if not self.stored_rows:
            return f"import impossible, rien n'a été enregistré : {cause}"
        stored, rest = _count(self.stored_rows, "ligne"), summary.read - self.stored_rows
        return (
            f"import interrompu : {cause.cause}. Avant l'arrêt, {stored} "
            f"sur {summary.read} ont été traitées et enregistrées "
            f"({_count(summary.created, 'fiche nouvelle', 'fiches nouvelles')}, "
            f"{summary.updated} mises à jour, {summary.unchanged} inchangées, "
            f"{len(summary.skipped)} ignorées) ; {_count(rest, 'ligne')} ne l'ont pas été, "
            f"à partir de la ligne {self.resume_line} du fichier. Pour reprendre : "
            f"{cause.advice or 'réglez ce problème, puis relancez la commande'} ; "
            "relancé, l'import reprend là où il s'est arrêté (les fiches déjà enregistrées ne "
            "sont pas réécrites)"
        )

    @property
    def resume_line(self) -> int:
        """The line of the file where the rows not stored begin."""
        return self.summary.lines_of_rows[self.stored_rows]


def _count(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


@dataclass
class Summary:
    """What an import did. ``skipped`` and ``notes`` are ``(line, reason)`` pairs."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    #: The line of the file where each row starts.
    lines_of_rows: list[int] = field(default_factory=list, repr=False)

    def add(self, other: Summary) -> None:
        """Count in what ``other`` counted (the rows of a batch, once it is stored)."""
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.notes += other.notes

    @property
    def published(self) -> int:
        return self.created + self.updated

    def lines(self, limit: int = 5) -> list[str]:
        """The summary in French, for the terminal."""
        out = [
            f"Import terminé en {self.seconds:.1f} s".replace(".", ",")
            + f" : {self.read} lignes lues.",
            f"  publiées   : {self.published} ({self.created} nouvelles, "
            f"{self.updated} mises à jour)",
            f"  inchangées : {self.unchanged}",
            f"  ignorées   : {len(self.skipped)}",
        ]
        out += [f"    ligne {line} : {reason}" for line, reason in self.skipped[:limit]]
        if len(self.skipped) > limit:
            out.append(f"    … et {len(self.skipped) - limit} autres")
        if self.notes:
            out.append(f"  remarques  : {len(self.notes)} (lignes importées quand même)")
            out += [f"    ligne {line} : {note}" for line, note in self.notes[:limit]]
            if len(self.notes) > limit:
                out.append(f"    … et {len(self.notes) - limit} autres")
        return out


def read_rows(path: Path, mapping: Mapping) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the CSV file at ``path``, each with the line number where it starts."""
    try:
        with path.open(encoding=mapping.encoding, newline="") as stream:
            reader = csv.DictReader(stream, delimiter=mapping.delimiter)
            header = reader.fieldnames or []
            if missing := mapping.missing_columns(list(header)):
                raise ImportFileError(
                    f"colonnes absentes de {path} : {', '.join(missing)} "
                    f"(colonnes trouvées : {', '.join(header) or 'aucune'})"
                )
            return list(_numbered(reader))
    except OSError as exc:
        raise ImportFileError(f"impossible de lire {path} : {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ImportFileError(
            f"{path} n'est pas encodé en {mapping.encoding} : indiquez « encoding » dans le "
            'fichier de correspondance, par exemple "cp1252" pour un export Excel'
        ) from None
    except csv.Error as exc:
        raise ImportFileError(f"{path} : CSV illisible : {exc}") from None


def _numbered(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, Any]]]:
    start = reader.line_num + 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def import_file(
    node: Node,
    path: Path,
    mapping: Mapping,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Import ``path`` into ``node``'s own log; ``progress(done, total)`` after each batch."""
    began = time.monotonic()
    rows = read_rows(path, mapping)
    summary = Summary(read=len(rows), lines_of_rows=[line for line, _ in rows])
    held = {r.rid: r.body for r in node.store.records(col=COL, author=node.key.did)}
    seen: dict[str, int] = {}
    batch: list[tuple[str, str, str, dict[str, Any]]] = []
    pending = Summary()  # the rows since the last batch stored
    stored_rows = 0
    for done, (line, row) in enumerate(rows, start=1):
        try:
            rid, body, note = row_to_listing(row, mapping)
        except RowError as exc:
            pending.skipped.append((line, str(exc)))
        else:
            if note:
                pending.notes.append((line, note))
            if rid in seen:
                pending.skipped.append((line, f"identifiant déjà vu ligne {seen[rid]}"))
            elif held.get(rid) == body:
                pending.unchanged += 1
            else:
                if rid in held:
                    pending.updated += 1
                else:
                    pending.created += 1
                batch.append((COL, rid, "put", body))
            seen.setdefault(rid, line)
        last = done == len(rows)
        if batch and (len(batch) >= BATCH or last):
            try:
                node.store.append_own_many(node.key, batch)
            except StoreError as exc:  # this batch is not stored, those before it are
                summary.seconds = time.monotonic() - began
                raise ImportInterrupted(summary, stored_rows, exc) from None
            batch = []
        if not batch:
            summary.add(pending)
            pending, stored_rows = Summary(), done
        if progress is not None and (done % 50 == 0 or last):
            progress(done, len(rows))
    summary.seconds = time.monotonic() - began
    return summary
