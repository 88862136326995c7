"""``python -m bench [NAME ...] [--quick] [--duration S] [--connections N]``.

Without names, every benchmark but those of ``ON_DEMAND``; each one's result replaces its
entry in ``docs/benchmarks.json`` and ``docs/benchmarks.md`` is written again, whole, from
that file (``bench/document.py``). ``--quick`` (``make bench-quick``) runs every benchmark
but ``ON_DEMAND`` cut down to a few seconds each, to check that they all work: its report
goes to ``bench/results/quick.md`` and the documented figures are left alone.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from pathlib import Path

from bench import (
    bootstrap,
    cli,
    crawl,
    document,
    follow,
    ingest,
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
    "cli": cli,
    "serve": serve,
    "crawl": crawl,
    "bootstrap": bootstrap,
    "ingest": ingest,
    "follow": follow,
    "push": push,
    "search": search,
    "node": node,
    "load": load,
    "simulate": simulate,
    "network": network,
}
#: Benchmarks run only when named: 100 processes for about 25 minutes.
ON_DEMAND = ("network",)
QUICK_REPORT = Path("bench/results/quick.md")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--quick", action="store_true", help="every benchmark, cut down")
    parser.add_argument(
        "--rewrite",
        action="store_true",
        help="write docs/benchmarks.md again from docs/benchmarks.json, running nothing",
    )
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
        for name in ("duration", "connections", "random_share", "quick")
        if (value := getattr(args, name))
    }
    if args.rewrite:
        document.write(document.read_json(), BENCHMARKS, "make bench")
        print(f"{document.MARKDOWN_PATH} written from {document.JSON_PATH}")
        return 0
    names = args.names or [n for n in BENCHMARKS if n not in ON_DEMAND]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    command = (
        "make bench-quick"
        if args.quick
        else ("make bench" if not args.names else "python -m bench " + " ".join(names))
    )
    data = {"benchmarks": {}} if args.quick else document.read_json()
    began = time.monotonic()
    for name in names:
        module = BENCHMARKS[name]
        accepted = inspect.signature(module.run).parameters
        print(f"== {name}", flush=True)
        started, load_before = time.monotonic(), document.load_average()
        result = module.run(**{k: v for k, v in options.items() if k in accepted})
        meta = document.stamp(started, load_before)
        if args.quick:
            data["benchmarks"][name] = {
                "meta": meta,
                "machine": document.machine(),
                "result": result,
            }
        else:
            data = document.record(name, result, meta)
        print(module.report(result), flush=True)
        print(f"({meta['seconds']} s)", flush=True)
    if args.quick:
        QUICK_REPORT.parent.mkdir(parents=True, exist_ok=True)
        document.write(data, BENCHMARKS, command, QUICK_REPORT)
        print(f"{QUICK_REPORT} written; {time.monotonic() - began:.0f} s in all")
    else:
        document.write(data, BENCHMARKS, command)
        print(f"{document.MARKDOWN_PATH} written; {time.monotonic() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
