"""``maillage`` imports what a command needs, when it runs (issue 10, item 5).

The parser of every command is built at each start, so building it and printing any help
must import nothing heavy; ``verify`` needs the wire format alone, ``offer list`` the store
but neither the web framework, the search index nor the record models. Structural, not
timed: each case runs in a fresh interpreter and lists the modules it loaded
(``python -m bench cli`` gives the wall times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import LASER, clean_environment, make_home, run, write

ROOT = Path(__file__).resolve().parents[2]

#: Never loaded to build the parser or print a help: third-party packages, the standard
#: library's heavy parts, and every module of the program below the command line.
HEAVY = (
    "aiohttp",
    "apscheduler",
    "asyncio",
    "cryptography",
    "jinja2",
    "markupsafe",
    "orjson",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "rfc8785",
    "sqlite3",
    "whoosh",
    "node.admin.auth",
    "node.app",
    "node.federation",
    "node.home",
    "node.io.export",
    "node.publishing.records",
    "node.settings",
    "node.store.database",
    "node.web",
    "protocol",
    "search",
)
#: Never loaded by ``maillage verify``: it reads entries, it opens no node.
NOT_FOR_VERIFY = (
    "aiohttp",
    "asyncio",
    "jinja2",
    "pydantic",
    "pydantic_settings",
    "sqlite3",
    "whoosh",
    "node.home",
    "node.settings",
    "node.store.database",
    "protocol.records",
    "search",
)
#: Never loaded by ``maillage offer list``: no server, no search, no record models.
NOT_FOR_LIST = (
    "aiohttp",
    "jinja2",
    "whoosh",
    "node.app",
    "node.federation",
    "node.web",
    "protocol.records",
    "search",
)

HELPS = """
import argparse, contextlib, io, json, sys
from node.cli.main import build_parser, main

def parsers(parser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from parsers(sub)

with contextlib.redirect_stdout(io.StringIO()):
    for parser in parsers(build_parser()):
        parser.format_help()
    try:
        main(["--help"])
    except SystemExit:
        pass
print(json.dumps(sorted(sys.modules)))
"""

COMMAND = """
import contextlib, io, json, sys
from node.cli.main import main

with contextlib.redirect_stdout(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps([status, sorted(sys.modules)]))
"""


def loaded(script: str, *args: str) -> list:
    """What ``script`` prints (JSON), run by a fresh interpreter from the project's root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def among(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    """The modules of ``modules`` that are, or are inside, one of ``forbidden``."""
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)]


def test_the_parser_and_every_help_import_nothing_heavy() -> None:
    modules = loaded(HELPS)
    assert "node.cli.main" in modules
    assert among(modules, HEAVY) == []


def test_verify_imports_the_wire_format_alone(tmp_path) -> None:
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    status, modules = loaded(COMMAND, "verify", str(empty))
    assert status == 0
    assert "protocol.verification" in modules
    assert among(modules, NOT_FOR_VERIFY) == []


def test_offer_list_imports_neither_server_nor_search(tmp_path, capsys, monkeypatch) -> None:
    clean_environment(monkeypatch)
    home = make_home(tmp_path, capsys)
    assert run(capsys, "offer", "put", "--home", home, write(tmp_path, LASER))[0] == 0
    status, modules = loaded(COMMAND, "offer", "list", "--home", str(home))
    assert status == 0
    assert "node.store.database" in modules
    assert among(modules, NOT_FOR_LIST) == []
