"""``python -m bench [NAME ...]``: run the benchmarks and print their figures."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

from bench import bootstrap, cli, follow, node, push, search, serve, verify

BENCHMARKS = {
    "verify": verify,
    "serve": serve,
    "bootstrap": bootstrap,
    "push": push,
    "search": search,
    "node": node,
    "follow": follow,
    "cli": cli,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
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
        result = module.run()
        results[name] = result
        print(module.report(result), flush=True)
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
