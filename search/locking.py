"""Who may write the index: one process at a time, holding ``index.lock`` beside it.

whoosh's own write lock is held only while a writer is open, so it cannot tell a serving
node from an idle moment. The owner lock is an advisory ``flock`` on ``HOME/index.lock``,
taken for as long as a process keeps the index (a serving node: its whole life). The system
releases it when the process ends, even by ``kill -9``. A second process finds it taken: it
reads the index as it is and tries again later (a node), or says so (``maillage reindex``).
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

LOCK_SUFFIX = ".lock"


def lock_path(index: Path) -> Path:
    return index.with_name(index.name + LOCK_SUFFIX)


class OwnerLock:
    """The owner lock of the index at ``index``; :meth:`acquire` never blocks."""

    def __init__(self, index: Path) -> None:
        self.path = lock_path(index)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool | None:
        """True once held; False while another process holds it; None when the lock file
        cannot be made at all (a read-only or full home: nobody can write the index, and the
        writes' own errors say why)."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            return None
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor releases the flock
