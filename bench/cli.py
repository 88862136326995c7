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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import make_feeds
from protocol.canonical import canonicalize
from protocol.encoding import b64url_decode
from protocol.entries import SIGNING_DOMAIN
from protocol.keys import verifier_for

EXAMPLE_OFFER = Path(__file__).resolve().parent.parent / "docs" / "exemples" / "offre.json"
GOALS = {"help_s": 0.3, "verify_empty_s": 0.4, "offer_list_s": 0.6}  # at most, seconds
RATIO_GOAL = 0.90  # at least: command rate / bare rate


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


def median_wall(args: list[str], env: dict[str, str], runs: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        run_once(args, env)
    return statistics.median(run_once(args, env) for _ in range(runs))


def make_home(tmp: Path, env: dict[str, str], offers: int = 3) -> Path:
    """An initialised home under ``tmp`` holding ``offers`` copies of the example offer."""
    home = tmp / "lieu"
    run_once(["init", "--home", str(home), "--name", "Banc d'essai"], env)
    for _ in range(offers):  # a new rid each time: the rid comes from the title, never reused
        run_once(["offer", "put", "--home", str(home), str(EXAMPLE_OFFER)], env)
    return home


def bulk(
    tmp: Path,
    env: dict[str, str],
    authors: int,
    per_author: int,
    runs: int,
    warmup: int = 1,
    one_core: bool = False,
) -> dict:
    """``maillage verify FILE`` against bare Ed25519 on the same entries, alternating.

    The bare loop runs on one thread; the command checks signatures on every core it may
    use. With ``one_core`` both are pinned to the first core (``taskset``), so the ratio
    shows what the command costs beyond the signatures themselves."""
    entries = make_feeds(authors, per_author)
    path = tmp / "entries.ndjson"
    path.write_bytes(b"".join(e.line + b"\n" for e in entries))
    bare_inputs = [
        (verifier_for(e.author), b64url_decode(e.sig), SIGNING_DOMAIN + canonicalize(e.header))
        for e in entries
    ]
    count = len(entries)
    del entries

    cores = os.sched_getaffinity(0)
    first = {min(cores)}

    def bare() -> float:
        if one_core:
            os.sched_setaffinity(0, first)
        try:
            start = time.perf_counter()
            for public_key, sig, message in bare_inputs:
                public_key.verify(sig, message)
            return time.perf_counter() - start
        finally:
            os.sched_setaffinity(0, cores)

    pin = ["taskset", "-c", str(min(cores))] if one_core else []

    def command() -> float:
        return run_once(["verify", str(path)], env, prefix=pin)

    for _ in range(warmup):
        command()
        bare()
    command_times, bare_times = [], []
    for i in range(runs):  # alternating order; each pair is also a ratio of its own
        if i % 2:
            bare_times.append(bare())
            command_times.append(command())
        else:
            command_times.append(command())
            bare_times.append(bare())
    pair_ratios = [b / c for b, c in zip(bare_times, command_times, strict=True)]
    command_rate = count / statistics.median(command_times)
    bare_rate = count / statistics.median(bare_times)
    return {
        "entries": count,
        "file_bytes": path.stat().st_size,
        "command_s": round(statistics.median(command_times), 3),
        "command_per_s": round(command_rate),
        "bare_per_s": round(bare_rate),
        "ratio": round(statistics.median(pair_ratios), 3),
        "ratio_min": round(min(pair_ratios), 3),
        "ratio_max": round(max(pair_ratios), 3),
    }


def run(runs: int = 5, authors: int = 40, per_author: int = 1000) -> dict:
    with tempfile.TemporaryDirectory(prefix="maillage-bench-cli-") as name:
        tmp = Path(name)
        env = clean_env(tmp)
        empty = tmp / "empty.ndjson"
        empty.write_bytes(b"")
        home = make_home(tmp, env)
        walls = {
            "help_s": median_wall(["--help"], env, runs),
            "verify_empty_s": median_wall(["verify", str(empty)], env, runs),
            "offer_list_s": median_wall(["offer", "list", "--home", str(home)], env, runs),
        }
        result = {
            "command": " ".join(maillage_command()),
            "runs": runs,
            **{key: round(value, 3) for key, value in walls.items()},
            "bulk": bulk(tmp, env, authors, per_author, runs),
            "bulk_one_core": bulk(tmp, env, authors, per_author, runs, one_core=True),
        }
    return result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(result: dict) -> str:
    b = result["bulk"]
    rows = [
        ("maillage --help", f"{result['help_s']:.3f} s", "help_s"),
        ("maillage verify <empty file>", f"{result['verify_empty_s']:.3f} s", "verify_empty_s"),
        ("maillage offer list (3 offers)", f"{result['offer_list_s']:.3f} s", "offer_list_s"),
    ]
    lines = [
        f"cli: {result['command']}, wall time of the whole process, median of {result['runs']} "
        "runs after 1 warm-up",
        f"  {'figure':<44} {'value':>14} {'goal':>10}",
    ]
    for label, value, key in rows:
        goal = GOALS[key]
        lines.append(
            f"  {label:<44} {value:>14} {'≤ ' + str(goal) + ' s':>10}  "
            f"{verdict(result[key] <= goal)}"
        )
    lines += [
        f"  {'verify FILE, ' + str(b['entries']) + ' entries (' + str(b['command_s']) + ' s)':<44}"
        f" {b['command_per_s']:>12} /s",
        f"  {'bare Ed25519 verify, same signatures':<44} {b['bare_per_s']:>12} /s",
        f"  {'ratio command ÷ bare, median of pairs':<44} {b['ratio']:>14.3f} "
        f"{'≥ ' + str(RATIO_GOAL):>10}  {verdict(b['ratio'] >= RATIO_GOAL)}"
        f"  (pairs {b['ratio_min']:.3f} – {b['ratio_max']:.3f})",
    ]
    one = result["bulk_one_core"]
    lines.append(
        f"  {'the same, both pinned to one core':<44} {one['ratio']:>14.3f} "
        f"(command {one['command_per_s']} /s, bare {one['bare_per_s']} /s)"
    )
    return "\n".join(lines)
