"""The child process of :mod:`search.apart`: the index's catch-up, written without a view.

    python -m search.apart_child INDEX STORE BATCH

It reads the store, writes the index and says what it did on its standard output, one JSON
object a line (:mod:`search.apart` reads them). Started by the node, never by hand.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import orjson

from node.store.database import Store
from search.faults import IndexFault
from search.index import SearchIndex
from search.storage import open_checked
from search.watermarks import read_marks


def _say(event: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(event) + b"\n")
    sys.stdout.buffer.flush()


class _Relay(logging.Handler):
    """The child's log lines, handed to the node's log."""

    def emit(self, record: logging.LogRecord) -> None:
        _say({"log": record.levelno, "message": record.getMessage()})


class ChildIndex(SearchIndex):
    """The node's index, written here without a view of its own (nothing searches it in
    this process): each commit is announced to the node instead."""

    _commits = 0

    def _refresh(self) -> None:
        self._commits += 1

    def _save_marks(self) -> None:
        super()._save_marks()
        _say({"commit": self._commits, "progress": None if self.marks.complete else self.progress})


def _child(index_path: Path, store_path: Path, batch: int) -> int:
    store = Store(store_path, allow_read_only=True)
    index = ChildIndex(index_path, store, load=False, batch=batch, apart_entries=0)
    # No merges here (``_worker`` stays False): at 100,000 entries the merges between commits
    # took the child from 0.8 to 1.3 ms of CPU an entry; the node merges once it is done.
    index._owned = True  # the node holds the owner lock for it

    def stop(*_: object) -> None:
        index._stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_node() -> None:  # the node is gone (its end of the pipe closed): stop
        while os.read(0, 4096):  # the raw descriptor: no buffer lock held at exit
            pass
        stop()

    threading.Thread(target=watch_node, daemon=True).start()
    try:
        index._ix = open_checked(index_path)
        index.marks = read_marks(index_path)
        index.ready = index.marks.complete  # else a new node's rebuild, filling up
        index.catch_up(store)
    finally:
        index._close_ix()
        store.close()
    return 0


def main(argv: list[str]) -> int:
    root = logging.getLogger("maillage")
    root.handlers[:] = [_Relay()]
    root.setLevel(logging.INFO)
    root.propagate = False
    try:
        index_path, store_path, batch = Path(argv[0]), Path(argv[1]), int(argv[2])
        return _child(index_path, store_path, batch)
    except IndexFault as exc:  # said again by the node's own catch-up, its way
        _say({"failed": str(exc), "fault": True})
    except Exception as exc:  # never expected: the node says it in one line and goes on
        _say({"failed": f"{type(exc).__name__}: {exc}"})
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
