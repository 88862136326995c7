"""``maillage records``: to be written."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Placeholder: registers nothing yet."""
