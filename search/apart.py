"""A big catch-up of the index run in a process of its own, beside the serving node.

A node that fills up (a new node following a peer of a whole region: 100,000 entries) spends
about 1.7 ms of CPU on each entry: a third to fetch, verify and store it, two thirds to make
and write its document. In one process the GIL runs them one after the other, on one core,
whatever the threads. So when the index thread finds the store well ahead of the index (at
least :data:`ENTRIES` entries), it hands the catch-up to a child process: the same
:class:`search.catchup.IndexCatchUp`, reading the same store (SQLite lets a reader beside the
writer) and writing the same index (whoosh's write lock is a file lock), while the node goes
on copying on the other core. The node does not write the index meanwhile (it reads it: each
batch the child commits is searchable a moment later), so the watermarks have one writer.
Once the child is done the node reads the watermarks back and catches up the few entries
stored since, as it always does.

The child (:mod:`search.apart_child`) never outlives the node: it stops after its batch on
SIGTERM, and when its standard input closes (the node is gone, even by ``kill -9``). It says
what it did on its standard output, one JSON object a line: ``{"commit": n}`` after each
commit (the node then searches the new state), ``{"log": level, "message": ...}`` for a line
of the node's log, and ``{"failed": ...}`` before it stops on an error; the node then catches
up itself, as before.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson

from node.store.database import Store
from search.watermarks import Marks

log = logging.getLogger("maillage.search")
#: Entries the store holds beyond the index from which the catch-up runs apart: below it a
#: child's start (~0.5 s of imports) costs more than it frees. 0: never apart.
ENTRIES = 5_000
#: Seconds the node waits for the child to stop after its batch, before it kills it.
STOP_WAIT_S = 30.0
#: Seconds between two checks of the node's stop flag while the child works.
POLL_S = 0.25


def entries_behind(store: Store, marks: Marks) -> int:
    """About how many entries the store holds that the index has not caught up with (one
    read of the feeds' heads): a feed in a pass over its records counts whole."""
    total = 0
    for feed in store.feeds():
        mark = marks.feeds.get(feed.author)
        if mark is None or mark.scan is not None:
            total += feed.seq
        elif not mark.frozen and mark.seq < feed.seq:
            total += feed.seq - mark.seq
    return total


class ApartCatchUp:
    """The node's handle on a child catching the index at ``index`` up with ``store``."""

    def __init__(self, index: Path, store: Path, batch: int) -> None:
        root = str(Path(__file__).resolve().parent.parent)  # where ``search`` is imported from
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            self.command(index, store, batch),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C of the node's terminal is the node's to handle
        )
        self._pending = b""

    @staticmethod
    def command(index: Path, store: Path, batch: int) -> list[str]:
        return [sys.executable, "-m", "search.apart_child", str(index), str(store), str(batch)]

    def events(self, timeout: float) -> list[dict[str, Any]] | None:
        """What the child said within ``timeout`` seconds; None once it has ended."""
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            return []
        chunk = os.read(stdout.fileno(), 65536)
        if not chunk:
            self.process.wait()
            return None
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()
        out = []
        for line in lines:
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # not the child's (a library printing): ignored
            if isinstance(event, dict):
                out.append(event)
        return out

    def stop(self) -> None:
        """Ask the child to stop after its batch; kill it if it does not in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.close()

    def close(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
