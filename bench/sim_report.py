"""The report of ``bench/simulate.py``: ``simulation.md`` and its SVG plots, from the figures."""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from bench.svg_plot import Series, plot

PLOTS = {
    "cdf": "simulation-delays.svg",
    "poll": "simulation-poll.svg",
    "bytes": "simulation-bytes.svg",
    "churn": "simulation-churn.svg",
}


def write(results: dict[str, Any], out: Path) -> None:
    for name, svg in _plots(results).items():
        (out / PLOTS[name]).write_text(svg, "utf-8")
    (out / "simulation.md").write_text(_markdown(results), "utf-8")


def _cdf(delays: list[float]) -> list[tuple[float, float]]:
    ordered = sorted(d for d in delays if d > 0)
    if not ordered:
        return []
    step = max(1, len(ordered) // 200)
    points = [(d, 100 * (i + 1) / len(ordered)) for i, d in enumerate(ordered)][::step]
    return [*points, (ordered[-1], 100.0)]


def _plots(results: dict[str, Any]) -> dict[str, str]:
    push = results["push"]
    poll = results["poll"]
    churn = results["churn"]
    polls = sorted({int(k.split("/")[0]) for k in poll})
    shares = sorted({float(k.split("/")[0]) for k in churn})

    def line(group: dict[str, Any], keys: list, on: bool, field: str, scale: float = 1.0):
        return [
            (float(k), group[f"{k}/{on}"][field] * scale)
            for k in keys
            if group[f"{k}/{on}"][field] is not None
        ]

    return {
        "cdf": plot(
            "Part des copies reçues, selon le délai (réglages livrés)",
            "secondes après la publication (échelle logarithmique)",
            "% des nœuds qui copient le flux",
            [
                Series("push + interrogation", _cdf(push["True"]["delays"])),
                Series("interrogation seule", _cdf(push["False"]["delays"])),
            ],
            log_x=True,
            y_max=100,
        ),
        "poll": plot(
            "Délai p95 selon l'intervalle d'interrogation",
            "poll_seconds",
            "secondes (p95)",
            [
                Series("push + interrogation", line(poll, polls, True, "delay_p95_s")),
                Series("interrogation seule", line(poll, polls, False, "delay_p95_s")),
            ],
        ),
        "bytes": plot(
            "Octets par nœud et par jour (médiane), une mise à jour par lieu et par jour",
            "poll_seconds",
            "ko par jour",
            [
                Series("push + interrogation", _bytes(poll, polls, True)),
                Series("interrogation seule", _bytes(poll, polls, False)),
            ],
        ),
        "churn": plot(
            "Copies reçues quand des nœuds sont arrêtés",
            "part des nœuds arrêtés (%)",
            "% des copies reçues",
            [
                Series("push + interrogation", line(churn, shares, True, "reached_share", 100)),
                Series("interrogation seule", line(churn, shares, False, "reached_share", 100)),
            ],
            y_max=100,
        ),
    }


def _bytes(poll: dict[str, Any], polls: list[int], on: bool) -> list[tuple[float, float]]:
    return [(float(k), poll[f"{k}/{on}"]["bytes_per_node_day"]["median_kb"]) for k in polls]


def _row(name: str, r: dict[str, Any]) -> str:
    b = r["bytes_per_node_day"]
    return (
        f"| {name} | {r['copiers_per_feed']} | {r['delay_p50_s']} | {r['delay_p95_s']} | "
        f"{r['delay_max_s']} | {r['all_reached_p95_s']} | {r['reached_share']:.1%} | "
        f"{b['median_kb']} | {b['p95_kb']} |"
    )


HEAD = (
    "| scenario | copiers per feed | delay p50 (s) | p95 (s) | max (s) | all reached, p95 (s) "
    "| reached | kB/node/day, median | p95 |\n|---|---|---|---|---|---|---|---|---|"
)


def _markdown(results: dict[str, Any]) -> str:
    d = results["defaults"]
    groups = [
        ("Push on and off, shipped settings", "push", lambda k: f"push {_on(k)}"),
        ("Poll interval", "poll", lambda k: f"poll {k.split('/')[0]} s, push {_on(k)}"),
        ("Replication distance (`max_hops`)", "max_hops", lambda k: f"max_hops {k}"),
        ("Follow degree (nearest neighbours followed)", "degree", lambda k: f"{k} follows"),
        ("Stopped nodes (churn)", "churn", lambda k: f"{_share(k)} stopped, push {_on(k)}"),
    ]
    lines = [
        "# Simulation of a 3,500-node network",
        "",
        "Written by `python -m bench.simulate` (do not edit by hand): "
        f"{results['nodes']} nodes, {results['samples']} sampled updates per scenario, "
        f"{results['seconds']} s on {platform.machine()}, Python {platform.python_version()}.",
        "",
        "What it models (`bench/simulate.py`, `bench/sim_network.py`, `bench/sim_model.py`, "
        "`bench/sim_traffic.py`): nodes at the places of the 2019 census (1,512 located ones, "
        "then places drawn a few km from census places), each following its nearest "
        "neighbours; the feeds each copies come from the node's own `wanted_feeds`; an update "
        "travels by push (a node posts a new entry at once to its followers that copy the "
        "feed) and by polling on the node's own schedule (`sync.round_seconds`, "
        "`peers.next_delay` with its jitter and backoff). A stopped node neither serves, "
        "polls nor takes pushes, and its followers have backed off. Delays are from the "
        "publication to each copying node that still serves; a copy never received within "
        "four poll intervals counts as not reached (a node that copies a feed through a "
        "stopped node alone cannot get it until that node is back).",
        "",
        "Shipped defaults, read from `node.settings.Settings`: "
        f"`poll_seconds` {d['poll_seconds']}, `max_hops` {d['max_hops']}, "
        f"`backoff_max_seconds` {d['backoff_max']}, `max_feeds_via_peer` "
        f"{d['max_feeds_via_peer']}; follow degree {d['degree'][0]}–{d['degree'][1]} (the "
        "issue's network); one-way latency 20–60 ms per trip, 10–50 ms to verify and store "
        "an entry.",
        "",
        f"![Delays]({PLOTS['cdf']})",
        "",
        f"![Poll interval]({PLOTS['poll']}) ![Bytes]({PLOTS['bytes']})",
        "",
        f"![Churn]({PLOTS['churn']})",
        "",
        "Bytes per node per day count both directions: the polls (a 304 of 448 bytes while "
        "nothing changed, else the list of the polled node's feeds), and one update per place "
        "per day (each push received and sent, duplicates included, or each entry fetched by "
        "a poll).",
    ]
    for title, group, name in groups:
        lines += ["", f"## {title}", "", HEAD]
        lines += [_row(name(k), r) for k, r in results[group].items()]
    return "\n".join(lines) + "\n"


def _on(key: str) -> str:
    return "on" if key.split("/")[-1] == "True" else "off"


def _share(key: str) -> str:
    return f"{float(key.split('/')[0]):.0%}"
