"""The serving node's log under attack: a few lines a second at most, never a flood.

:func:`throttle_logs` puts one :class:`LogThrottle` on every handler of the root logger.
Records of level WARNING and above are grouped by logger, level and the first line of their
message *template* (the text before its arguments are put in, so "connexion refusée à %s :
%s" is one message whatever the address): ``burst`` of a kind pass in a ``window`` of
seconds, the others are counted, and the next one to pass says how many were left out. The
access log and the other informative lines (below WARNING) are not touched.

asyncio's reports of a socket error (an ``OSError``: a client's reset, a failed accept)
lose their traceback: one short line says what happened, and running out of files
(``EMFILE``, ``ENFILE``) says what to do. (asyncio reports a failed accept up to a hundred
times per loop turn: 354 MB of tracebacks in 40 s under a flood of connections.)
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

#: The attribute a record carries once decided: with several handlers, it is counted once.
_VERDICT = "maillage_throttle_verdict"
OUT_OF_FILES = (
    "connexions refusées : le processus n'a plus de descripteur de fichier libre ; "
    "abaissez max_connections ou relevez LimitNOFILE (deploy/maillage.service)"
)


@dataclass
class _Kind:
    start: float
    passed: int = 1
    omitted: int = 0


class LogThrottle(logging.Filter):
    """Lets ``burst`` records of a kind through per ``window`` seconds; counts the rest."""

    def __init__(
        self,
        window: float = 10.0,
        burst: int = 5,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_kinds: int = 1000,
    ) -> None:
        super().__init__()
        self.window = window
        self.burst = burst
        self.clock = clock
        self.max_kinds = max_kinds
        self._kinds: dict[tuple[str, int, str], _Kind] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        verdict = getattr(record, _VERDICT, None)
        if verdict is None:
            with self._lock:
                verdict = self._decide(record)
            setattr(record, _VERDICT, verdict)
        return verdict

    def _decide(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        if record.name == "asyncio" or record.name.startswith("asyncio."):
            _shorten_socket_error(record)
        key = (record.name, record.levelno, _first_line(record.msg))
        now = self.clock()
        kind = self._kinds.get(key)
        if kind is None or now - kind.start >= self.window:
            if kind is None and len(self._kinds) >= self.max_kinds:
                del self._kinds[next(iter(self._kinds))]  # the oldest kind seen
            self._kinds.pop(key, None)
            self._kinds[key] = _Kind(now)
            if kind is not None and kind.omitted:
                seconds = int(now - kind.start)
                record.msg = (
                    f"{record.msg} ({kind.omitted} messages semblables omis en {seconds} s)"
                )
            return True
        if kind.passed < self.burst:
            kind.passed += 1
            return True
        kind.omitted += 1
        return False


def _first_line(message: object) -> str:
    return str(message).partition("\n")[0][:200]


def _shorten_socket_error(record: logging.LogRecord) -> None:
    """One line instead of a traceback for asyncio's report of a socket error."""
    error = record.exc_info[1] if record.exc_info else None
    if not isinstance(error, OSError):
        return
    if error.errno in (errno.EMFILE, errno.ENFILE):
        record.msg = OUT_OF_FILES
    else:
        record.msg = f"{_first_line(record.getMessage())} : {error}"
    record.args = None
    record.exc_info = None
    record.exc_text = None


def throttle_logs(window: float = 10.0, burst: int = 5) -> LogThrottle:
    """Put one :class:`LogThrottle` on every handler of the root logger (the serving log)."""
    throttle = LogThrottle(window, burst)
    for handler in logging.getLogger().handlers:
        handler.addFilter(throttle)
    return throttle
