"""What goes wrong with the files of a home, said in French: a full disk, a damaged database,
a folder that cannot be written, a database another process holds.

SQLite and the system report these as codes (``SQLITE_FULL``, ``SQLITE_CORRUPT``, ``EROFS``…).
:func:`sqlite_failure` and :func:`os_failure` turn them into a :class:`StoreError` whose
message says what happened and what to do, so a command prints it as it is (status 2). Any
other error (a bug, a constraint) is left as it is.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import suppress
from pathlib import Path

#: Where restoring a backup is explained.
RESTORE_DOC = "docs/deploiement.md, section 10"


class StoreError(Exception):
    """The store cannot be opened or used; the message says why, in French.

    ``cause`` is what happened, ``advice`` what to do (the message is both), so a caller that
    knows more (an import half done) can say it between the two.
    """

    def __init__(self, cause: str, advice: str = "") -> None:
        super().__init__(f"{cause} ; {advice}" if advice else cause)
        self.cause = cause
        self.advice = advice


class DiskFull(StoreError):
    """The disk (or the user's quota, or the size a file may reach) is full."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"disque plein : {path} n'a pas pu être écrit",
            "libérez de la place sur le disque (df -h montre la place libre), puis relancez "
            "la commande",
        )


class DiskTrouble(StoreError):
    """The system refused a read or a write (a disk failing, a file at its size limit)."""

    def __init__(self, path: Path, detail: object) -> None:
        super().__init__(
            f"erreur du disque en lisant ou en écrivant {path} ({detail})",
            "le disque est peut-être plein ou défaillant : vérifiez la place libre (df -h) et "
            "le journal du système, puis relancez la commande",
        )


class Damaged(StoreError):
    """The database file is damaged (a zeroed or torn page): only a backup brings it back."""

    def __init__(self, path: Path, detail: object) -> None:
        super().__init__(
            f"base de données {path} inutilisable : le fichier est endommagé ({detail}) ; "
            "rien n'y a été écrit",
            "arrêtez le nœud, mettez ce fichier de côté, remettez la dernière sauvegarde de la "
            "base à sa place, puis lancez « maillage recover » avant de publier : il reprend "
            f"chez les voisins les entrées que la sauvegarde n'a pas ({RESTORE_DOC})",
        )


class ReadOnly(StoreError):
    """The folder (or the file) cannot be written by this process, and something must be."""

    def __init__(self, path: Path, cause: str | None = None) -> None:
        folder = path.parent
        super().__init__(
            cause
            or f"le dossier {folder} est en lecture seule ({why_read_only(folder)}) : "
            f"impossible d'écrire dans {path}",
            "lancez la commande en tant qu'utilisateur du nœud (propriétaire du dossier), "
            "sur un dossier accessible en écriture",
        )


class Busy(StoreError):
    """Another process held the database's write lock for the whole wait."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"base de données {path} occupée : un autre processus y écrit depuis trop longtemps",
            "rien n'a été écrit ; réessayez dans un moment",
        )


def writable(path: Path) -> bool:
    """Whether this process may write the file at ``path`` and create files beside it (for a
    database in WAL mode: its ``-wal`` and ``-shm``)."""
    if not os.access(path.parent, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def why_read_only(folder: Path) -> str:
    """Why ``folder`` cannot be written, in French (a few words)."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "système de fichiers monté en lecture seule"
    except OSError:
        pass
    return f"l'utilisateur {user_name()} ne peut pas y écrire"


def user_name() -> str:
    """The name of the user this process runs as (its uid if it has none)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: SQLite could not extend the ``-shm`` file of a database in WAL mode: no room left.
_IOERR_SHMSIZE = getattr(sqlite3, "SQLITE_IOERR_SHMSIZE", 4874)
_DENIED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def sqlite_failure(exc: sqlite3.Error, path: Path) -> StoreError | None:
    """The :class:`StoreError` saying what ``exc``, met on the database at ``path``, means;
    None when it is none of the faults of a home (a bug: left as it is)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == sqlite3.SQLITE_FULL or code == _IOERR_SHMSIZE:  # no room for the -shm
        return DiskFull(path)
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return Damaged(path, f"SQLite : {exc}")
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return ReadOnly(path) if not writable(path) else None
    if primary == sqlite3.SQLITE_IOERR:
        return DiskTrouble(path, f"SQLite : {exc}")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return Busy(path)
    return None


def os_failure(exc: OSError, path: Path) -> StoreError | None:
    """The :class:`StoreError` saying what ``exc``, met writing ``path``, means; None when it
    is none of the faults of a home."""
    if exc.errno in _FULL:
        return DiskFull(path)
    if exc.errno in _DENIED:
        return ReadOnly(path) if not writable(path) else None
    if exc.errno == errno.EIO:
        return DiskTrouble(path, exc.strerror)
    return None


def roll_back(conn: sqlite3.Connection) -> None:
    """Roll back the transaction of ``conn`` if one is still open (after a failed commit,
    SQLite may have rolled it back already); an error doing so is dropped, since the error
    that made us roll back is the one to tell."""
    if conn.in_transaction:
        with suppress(Exception):
            conn.execute("ROLLBACK")
