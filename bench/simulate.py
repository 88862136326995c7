"""``python -m bench.simulate``: a 3,500-node simulation of the network (issue 16, item 4).

France has 2,500–3,500 tiers-lieux; a real network of that size cannot run on one machine,
so this models it. Each node sits at a real place (``bench/sim_network.py``), follows its
nearest neighbours, replicates the feeds the node's own ``wanted_feeds`` gives, and an update
travels by the node's push and polling rules (``bench/sim_model.py``), with the settings the
code ships with (read from the settings model). For every scenario it samples updates of
random places and reports how fast they reach the nodes that copy them, and the bytes per node
per day at one update per place per day (``bench/sim_traffic.py``).

It writes ``docs/simulation.md`` and its plots ``docs/simulation-*.svg`` (``--out`` for
another folder). ``--nodes`` and ``--samples`` make a quicker, smaller run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import sections, sim_report
from bench.sim_model import Outcome, Params, one_update, stopped_nodes
from bench.sim_network import Network, build
from bench.sim_traffic import per_node_day, summary

DOCS = Path(__file__).resolve().parents[1] / "docs"
QUICK_OUT = Path(__file__).resolve().parent / "results" / "simulation-quick"
POLLS = (60, 120, 300, 600, 900)
HOPS = (1, 2, 3)
DEGREES = ((3, 5), (5, 10), (10, 15))
CHURNS = (0.0, 0.1, 0.3)


def scenario(params: Params, samples: int, networks: dict[tuple, Network]) -> dict[str, Any]:
    """Sample ``samples`` updates of random serving places under ``params``."""
    key = (params.nodes, params.degree, params.max_hops, params.max_feeds_via_peer, params.seed)
    if key not in networks:
        networks[key] = build(
            params.nodes,
            params.degree,
            params.max_hops,
            params.max_feeds_via_peer,
            random.Random(params.seed),
        )
    network = networks[key]
    rng = random.Random(params.seed + 1)
    random.seed(params.seed + 2)  # the jitter of peers.next_delay draws from the module
    stopped = stopped_nodes(network, params, rng)
    copiers: dict[int, list[int]] = {}
    for node, wants in enumerate(network.wants):
        for feed in wants:
            copiers.setdefault(feed, []).append(node)
    serving = [x for x in range(network.size) if x not in stopped]
    outcomes: list[Outcome] = []
    for feed in rng.sample(serving, min(samples, len(serving))):
        outcomes.append(one_update(network, params, feed, stopped, copiers.get(feed, []), rng))
    delays = [d for o in outcomes for d in o.delays]
    finished = [o.all_reached_after for o in outcomes]
    return {
        "params": {k: v for k, v in asdict(params).items() if k != "seed"},
        "copiers_per_feed": round(statistics.mean(len(o.arrivals) for o in outcomes), 1),
        "delay_p50_s": _quantile(delays, 0.50),
        "delay_p95_s": _quantile(delays, 0.95),
        "delay_max_s": round(max(delays), 2) if delays else None,
        "all_reached_p95_s": _quantile([f for f in finished if f is not None], 0.95),
        "reached_share": round(statistics.mean(o.reached for o in outcomes), 4),
        "bytes_per_node_day": summary(per_node_day(network, params, stopped, outcomes)),
        "delays": delays,
    }


def _quantile(values: Sequence[float], q: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def run(
    quick: bool = False,
    nodes: int = 3500,
    samples: int = 60,
    out: Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Every scenario; the report and plots written to ``out`` (``docs/``; quick: 500 nodes
    and 10 updates a scenario, written under ``bench/results/``); the figures returned."""
    if quick:
        nodes, samples = 500, 10
    if out is None:
        out = QUICK_OUT if quick else DOCS
    out.mkdir(parents=True, exist_ok=True)
    base = Params(nodes=nodes)
    networks: dict[tuple, Network] = {}
    began = time.monotonic()
    results: dict[str, Any] = {"defaults": asdict(base), "nodes": nodes, "samples": samples}

    def step(name: str, params: Params) -> dict[str, Any]:
        result = scenario(params, samples, networks)
        if progress:
            print(
                f"  {name}: p95 {result['delay_p95_s']} s, reached "
                f"{result['reached_share']:.1%} ({time.monotonic() - began:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        return result

    results["push"] = {str(on): step(f"push={on}", base.but(push=on)) for on in (True, False)}
    results["poll"] = {
        f"{seconds}/{on}": step(
            f"poll={seconds} push={on}", base.but(poll_seconds=seconds, push=on)
        )
        for seconds in POLLS
        for on in (True, False)
    }
    results["max_hops"] = {str(h): step(f"max_hops={h}", base.but(max_hops=h)) for h in HOPS}
    results["degree"] = {
        f"{lo}-{hi}": step(f"degree={lo}-{hi}", base.but(degree=(lo, hi))) for lo, hi in DEGREES
    }
    results["churn"] = {
        f"{share}/{on}": step(f"churn={share} push={on}", base.but(churn=share, push=on))
        for share in CHURNS
        for on in (True, False)
    }
    results["seconds"] = round(time.monotonic() - began, 1)
    sim_report.write(results, out)
    for group in ("push", "poll", "max_hops", "degree", "churn"):
        for result in results[group].values():
            result.pop("delays")
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__)
    parser.add_argument("--nodes", type=int, default=3500, help="nodes simulated (3500)")
    parser.add_argument("--samples", type=int, default=60, help="updates per scenario (60)")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder of the report (docs/)")
    args = parser.parse_args(argv)
    if args.nodes < 20 or args.samples < 1:
        parser.error("--nodes ≥ 20 et --samples ≥ 1")
    args.out.mkdir(parents=True, exist_ok=True)
    results = run(nodes=args.nodes, samples=args.samples, out=args.out)
    print(f"{args.out / 'simulation.md'} written in {results['seconds']} s")
    return 0


def _figures(result: dict[str, Any]) -> dict[str, Any]:
    on, off = result["push"]["True"], result["push"]["False"]
    churn = result["churn"].get("0.1/True", {})
    return {
        "copiers_per_feed": on["copiers_per_feed"],
        "push_p50_s": on["delay_p50_s"],
        "push_p95_s": on["delay_p95_s"],
        "poll_p95_s": off["delay_p95_s"],
        "kb_per_node_day": on["bytes_per_node_day"]["median_kb"],
        "kb_per_node_day_p95": on["bytes_per_node_day"]["p95_kb"],
        "reached_churn_10": None if not churn else round(100 * churn["reached_share"], 2),
    }


FIGURES = (
    sections.Figure("copiers_per_feed", "nodes copying a feed, mean", "", 1),
    sections.Figure("push_p50_s", "delay to a copier with push, p50", "s", 2),
    sections.Figure("push_p95_s", "delay to a copier with push, p95", "s", 2, "≤ 2"),
    sections.Figure("poll_p95_s", "delay by polling alone, p95", "s", 0),
    sections.Figure("kb_per_node_day", "traffic per node per day, median", "kB", 0),
    sections.Figure("kb_per_node_day_p95", "traffic per node per day, p95", "kB", 0),
    sections.Figure("reached_churn_10", "copies reached with 10 % of nodes stopped", "%", 2),
)


def report(result: dict[str, Any]) -> str:
    what = (
        f"A discrete-event model of {result['nodes']:,} nodes at the census's places "
        "(`bench/sim_network.py`), each following its nearest neighbours, the feeds each copies "
        "computed by the node's own `wanted_feeds`, and an update travelling by the node's "
        "push and polling rules (`sync.round_seconds`, `peers.next_delay`), with the defaults "
        f"read from the settings model; {result['samples']} sampled updates a scenario, "
        f"{result['seconds']} s in all. One run (the model is seeded). The scenarios, their "
        "curves and the parameters: [simulation.md](simulation.md). The figures below are "
        "the shipped settings'."
    )
    data = {"runs": [_figures(result)]}
    return sections.section("simulate", "A 3,500-node network, simulated", what, data, FIGURES)


def goals(result: dict[str, Any]) -> list[tuple]:
    return sections.simple_goals({"runs": [_figures(result)]}, FIGURES)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
