"""What stops the index from being written, said in French: a full disk, a folder that cannot
be written, a file where the index's folder should be.

The index is a projection of the store: whatever happens to it, nothing is lost, and the
messages say so. :func:`write_failure` turns the system's error into an :class:`IndexFault`;
any other error is left as it is.
"""

from __future__ import annotations

import errno
from pathlib import Path

from node.store.faults import why_read_only

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_DENIED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
#: What a message of a write failure says before the advice: nothing is lost.
_SAFE = {
    "mis à jour": "la base de données n'a pas été touchée et l'index la rattrapera",
    "reconstruit": "la base de données n'a pas été touchée et l'index se reconstruit à partir "
    "d'elle",
}


class IndexFault(Exception):
    """The index cannot be opened, written or rebuilt; the message says why and what to do,
    in French."""


class IndexNotADirectory(IndexFault):
    """Something that is not a folder (a file) is where the index's folder should be."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} existe mais n'est pas un dossier : c'est la place de l'index de recherche "
            "du nœud ; rien n'y a été touché. Déplacez ce fichier ailleurs (ou supprimez-le "
            "s'il ne sert à rien), puis relancez la commande : l'index se reconstruit à partir "
            "de la base de données"
        )


class IndexWriteError(IndexFault):
    """The index could not be written: ``reason`` is ``"full"``, ``"read-only"`` or
    ``"disk"``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def write_failure(exc: OSError, path: Path, doing: str) -> IndexWriteError | None:
    """The :class:`IndexWriteError` for ``exc``, met while the index at ``path`` was being
    ``doing`` ("mis à jour", "reconstruit"); None for any other error."""
    safe = _SAFE[doing]
    if exc.errno in _FULL:
        return IndexWriteError(
            "full",
            f"disque plein : l'index de recherche {path} n'a pas pu être {doing} ; {safe} : "
            "libérez de la place sur le disque (df -h montre la place libre), puis relancez la "
            "commande",
        )
    if exc.errno in _DENIED:
        folder = path if path.is_dir() else path.parent
        return IndexWriteError(
            "read-only",
            f"le dossier {folder} est en lecture seule ({why_read_only(folder)}) : l'index de "
            f"recherche {path} n'a pas pu être {doing} ; {safe} : lancez « maillage reindex » "
            "en tant qu'utilisateur du nœud, sur un dossier accessible en écriture",
        )
    if exc.errno == errno.EIO:
        return IndexWriteError(
            "disk",
            f"erreur du disque en écrivant l'index de recherche {path} ({exc.strerror}) ; "
            f"{safe} : vérifiez le disque et le journal du système, puis relancez la commande",
        )
    return None


class IndexBusy(IndexFault):
    """Another process (a serving node) holds the index: it keeps it up to date itself."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"l'index de recherche {path} est tenu par un autre processus (un nœud en service, "
            "« maillage serve ») : le nœud le tient à jour lui-même et rien n'est à faire. Pour "
            "le reconstruire quand même, arrêtez d'abord le nœud (systemctl stop maillage), "
            "puis relancez « maillage reindex »"
        )
