"""Pieces shared by the subcommands: ``--home`` and opening a node with clear errors.

The parser of every command is built at each start, ``--help`` included, so the modules of
``node.cli`` import at their top only argparse and light constants; what a command needs
(settings, store, web framework, search index…) is imported inside its handler, when it
runs (``tests/test_cli_imports.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from node.home import Node
    from search.index import SearchIndex


class CommandError(Exception):
    """A usage or setup problem: printed in French, exit status 2, no traceback."""


def add_home_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--home",
        type=Path,
        default=None,
        metavar="DOSSIER",
        help="dossier du nœud (par défaut $MAILLAGE_HOME, sinon ~/.local/share/maillage)",
    )


def home_of(args: argparse.Namespace) -> Path:
    from node.home import default_home

    return args.home if args.home is not None else default_home()


def open_node(args: argparse.Namespace, **overrides: object) -> Node:
    from node.home import HomeError, open_home

    try:
        return open_home(home_of(args), **overrides)
    except HomeError as exc:
        raise CommandError(str(exc)) from None


@contextlib.contextmanager
def open_index(args: argparse.Namespace) -> Iterator[tuple[Node, SearchIndex]]:
    """The node of ``args`` and its search index (opened, caught up), closed after the
    block; a damaged database or index, a full disk… is a :class:`CommandError` (French)."""
    from node.hidden import hidden_authors
    from node.store.faults import StoreError
    from search.faults import IndexFault
    from search.index import SearchIndex, index_path

    with open_node(args) as node:
        try:
            index = SearchIndex(index_path(node.settings.home), node.store)
            try:
                index.hide(hidden_authors(node.store, node.key.did))  # what this node hides
                yield node, index
            finally:
                index.close()
        except (IndexFault, StoreError) as exc:
            raise CommandError(str(exc)) from None


def fail(message: str) -> int:
    print(f"maillage : {message}", file=sys.stderr)
    return 2


class ProgressBar:
    """``Import [#######·····] 750/1512 lignes`` redrawn in place on stderr (a terminal),
    from ``minimum`` items on (below, the work is instant)."""

    WIDTH = 30

    def __init__(self, label: str, unit: str, minimum: int = 0) -> None:
        self.label, self.unit, self.minimum = label, unit, minimum
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.minimum:
            return
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "·" * (self.WIDTH - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done}/{total} {self.unit}")
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
