"""Whole-process wall times of the real ``maillage`` command, start-up included.

Each command runs as a child process (the console script next to ``sys.executable``, else
``python -m node``), once to warm the disk cache and the bytecode (cached in the temporary
directory), then ``runs`` times; the figure is the median. The bulk case times ``maillage
verify FILE`` on 40,000 signed entries and, alternating with it on the same signatures, a
bare loop of ``Ed25519PublicKey.verify`` over the exact signed bytes (``SIGNING_DOMAIN`` +
JCS(header)), keys and signatures decoded beforehand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import sections
from bench.corpus import make_feeds
from protocol.canonical import canonicalize
from protocol.encoding import b64url_decode
from protocol.entries import SIGNING_DOMAIN
from protocol.keys import verifier_for

EXAMPLE_OFFER = Path(__file__).resolve().parent.parent / "docs" / "exemples" / "offre.json"


def maillage_command() -> list[str]:
    """The ``maillage`` console script of this interpreter's environment, else ``-m node``."""
    script = Path(sys.executable).parent / "maillage"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "node"]


def clean_env(home: Path) -> dict[str, str]:
    """The current environment without ``MAILLAGE_*`` variables, ``HOME`` set to ``home``,
    and bytecode cached under ``home``: an installed command has its ``.pyc`` files, and with
    ``PYTHONDONTWRITEBYTECODE`` set every run would recompile the project's sources."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    env["HOME"] = str(home)
    return env


def run_once(args: list[str], env: dict[str, str], prefix: list[str] | None = None) -> float:
    """Wall time of one run of ``maillage *args``, which must exit with status 0."""
    start = time.perf_counter()
    done = subprocess.run(
        [*(prefix or []), *maillage_command(), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"maillage {' '.join(args)}: status {done.returncode}\n{done.stderr}")
    return elapsed


def make_home(tmp: Path, env: dict[str, str], offers: int = 3) -> Path:
    """An initialised home under ``tmp`` holding ``offers`` copies of the example offer."""
    home = tmp / "lieu"
    run_once(["init", "--home", str(home), "--name", "Banc d'essai"], env)
    for _ in range(offers):  # a new rid each time: the rid comes from the title, never reused
        run_once(["offer", "put", "--home", str(home), str(EXAMPLE_OFFER)], env)
    return home


class Bulk:
    """``maillage verify FILE`` against bare Ed25519 on the same entries, one pair at a time.

    The bare loop runs on one thread; the command checks signatures on every core it may
    use. Pinned (``one_core``), both run on the first core (``taskset``), so that the ratio
    shows what the command costs beyond the signatures themselves."""

    def __init__(self, tmp: Path, env: dict[str, str], authors: int, per_author: int) -> None:
        entries = make_feeds(authors, per_author)
        self.path = tmp / "entries.ndjson"
        self.path.write_bytes(b"".join(e.line + b"\n" for e in entries))
        self.bare_inputs = [
            (verifier_for(e.author), b64url_decode(e.sig), SIGNING_DOMAIN + canonicalize(e.header))
            for e in entries
        ]
        self.count = len(entries)
        self.env = env
        self.cores = os.sched_getaffinity(0)

    def bare(self, one_core: bool) -> float:
        if one_core:
            os.sched_setaffinity(0, {min(self.cores)})
        try:
            start = time.perf_counter()
            for public_key, sig, message in self.bare_inputs:
                public_key.verify(sig, message)
            return time.perf_counter() - start
        finally:
            os.sched_setaffinity(0, self.cores)

    def command(self, one_core: bool) -> float:
        pin = ["taskset", "-c", str(min(self.cores))] if one_core else []
        return run_once(["verify", str(self.path)], self.env, prefix=pin)

    def pair(self, order: int, one_core: bool = False) -> tuple[float, float]:
        """(command seconds, bare seconds), in the order given by the parity of ``order``."""
        if order % 2:
            bare = self.bare(one_core)
            return self.command(one_core), bare
        command = self.command(one_core)
        return command, self.bare(one_core)


FIGURES = (
    sections.Figure("help_s", "`maillage --help`", "s", 3, "≤ 0.3"),
    sections.Figure("verify_empty_s", "`maillage verify` of an empty file", "s", 3, "≤ 0.4"),
    sections.Figure("offer_list_s", "`maillage offer list` (3 offers)", "s", 3, "≤ 0.6"),
    sections.Figure("command_per_s", "`maillage verify FILE`, entries/s", "/s", 0),
    sections.Figure("bare_per_s", "bare Ed25519 verifications, same signatures", "/s", 0),
    sections.Figure("ratio", "ratio command ÷ bare", "", 3, "≥ 0.90"),
    sections.Figure("ratio_one_core", "the same, both pinned to one core", "", 3),
)


def run(quick: bool = False, runs: int = 5) -> dict:
    """``runs`` runs; in each, every command once (after one warm-up run of each, before
    the first), then one pair of the bulk verification and one pinned pair."""
    authors, per_author = (4, 500) if quick else (40, 1000)
    runs = 1 if quick else runs
    with tempfile.TemporaryDirectory(prefix="maillage-bench-cli-") as name:
        tmp = Path(name)
        env = clean_env(tmp)
        empty = tmp / "empty.ndjson"
        empty.write_bytes(b"")
        home = make_home(tmp, env)
        commands = {
            "help_s": ["--help"],
            "verify_empty_s": ["verify", str(empty)],
            "offer_list_s": ["offer", "list", "--home", str(home)],
        }
        bulk = Bulk(tmp, env, authors, per_author)
        for args in commands.values():
            run_once(args, env)
        bulk.pair(0)
        measured = []
        for i in range(runs):
            walls = {key: round(run_once(args, env), 3) for key, args in commands.items()}
            command_s, bare_s = bulk.pair(i)
            pinned_command_s, pinned_bare_s = bulk.pair(i, one_core=True)
            measured.append(
                {
                    **walls,
                    "command_per_s": round(bulk.count / command_s),
                    "bare_per_s": round(bulk.count / bare_s),
                    "ratio": round(bare_s / command_s, 3),
                    "ratio_one_core": round(pinned_bare_s / pinned_command_s, 3),
                }
            )
        params = {
            "command": " ".join(maillage_command()),
            "entries": bulk.count,
            "file_mb": round(bulk.path.stat().st_size / 1e6, 1),
        }
    return {"params": params, "runs": measured}


def report(result: dict) -> str:
    p = result["params"]
    what = (
        f"Wall time of the whole `maillage` process ({p['command']}), start-up included, "
        "one run of each command per run after one warm-up. Then `maillage verify FILE` on "
        f"{p['entries']:,} signed entries ({p['file_mb']} MB) against a bare "
        "`Ed25519PublicKey.verify` loop over the same signatures in the benchmark's own "
        "process, back to back in alternating order; the ratio is bare time ÷ command time. "
        "The bare loop runs on one thread, the command checks a batch's signatures on every "
        "core it may use (Ed25519 releases the GIL): the last line pins both to one core, to "
        "show what the command costs beyond the signatures."
    )
    return sections.section("cli", "The command line", what, result, FIGURES)


def goals(result: dict) -> list[tuple]:
    return sections.simple_goals(result, FIGURES)
