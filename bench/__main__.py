"""``python -m bench [NAME ...] [--duration S] [--connections N]``: run the benchmarks and
print their figures (the two options are for ``load``: a quick run)."""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import sys
import time
from pathlib import Path

from bench import (
    bootstrap,
    cli,
    follow,
    load,
    network,
    node,
    push,
    search,
    serve,
    simulate,
    verify,
)

BENCHMARKS = {
    "verify": verify,
    "serve": serve,
    "bootstrap": bootstrap,
    "push": push,
    "search": search,
    "node": node,
    "follow": follow,
    "cli": cli,
    "load": load,
    "simulate": simulate,
    "network": network,
}
#: Benchmarks run only when named (they need data from outside the project or minutes).
ON_DEMAND = ("load", "network")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--duration", type=int, help="load: seconds of load (60)")
    parser.add_argument("--connections", type=int, help="load: concurrent clients (200)")
    parser.add_argument(
        "--random-share",
        type=float,
        help="load: share of never-repeated requests (0.2; 0 is the issue's 30 shapes)",
    )
    args = parser.parse_args(argv)
    options = {
        name: value
        for name in ("duration", "connections", "random_share")
        if (value := getattr(args, name)) is not None
    }
    names = args.names or [n for n in BENCHMARKS if n not in ON_DEMAND]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    results = {
        "machine": f"{platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}"
    }
    for name in names:
        module = BENCHMARKS[name]
        accepted = inspect.signature(module.run).parameters
        result = module.run(**{k: v for k, v in options.items() if k in accepted})
        results[name] = result
        print(module.report(result), flush=True)
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    # load alone: a file of its own per run (runs are compared), the other figures kept
    name = f"load-{time.strftime('%Y%m%dT%H%M%S')}.json" if names == ["load"] else "latest.json"
    (out / name).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
