"""The ``maillage`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from node.cli import admin, export, follow, imports, init, records, recover, search, serve, verify
from node.cli import blocklist as cli_blocklist
from node.cli import endorse as cli_endorse
from node.cli import french as cli_french
from node.cli import keys as cli_keys
from node.cli import match as cli_match
from node.cli import mute as cli_mute
from node.cli import stats as cli_stats
from node.cli.common import CommandError, fail

COMMANDS = (
    init,
    records,
    serve,
    verify,
    follow,
    search,
    cli_match,
    cli_stats,
    imports,
    export,
    admin,
    recover,
    cli_endorse,
    cli_mute,
    cli_blocklist,
    cli_keys,
)


def build_parser() -> argparse.ArgumentParser:
    cli_french.install()
    parser = argparse.ArgumentParser(
        prog="maillage",
        description="Maillage : annuaire décentralisé des tiers-lieux.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        print("interrompu", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
