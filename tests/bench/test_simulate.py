"""The 3,500-node simulation (``bench/simulate.py``), run small: its report and plots are
written, its parameters are the settings the node ships with, and the model behaves."""

from __future__ import annotations

import random
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

from bench import simulate
from bench.sim_model import Params, one_update, stopped_nodes
from bench.sim_network import FollowRecords, build, did, number
from node.settings import Settings


def test_the_defaults_are_the_shipped_settings() -> None:
    shipped = Settings.model_fields
    params = Params()
    assert params.poll_seconds == shipped["poll_seconds"].default
    assert params.max_hops == shipped["max_hops"].default
    assert params.backoff_max == shipped["backoff_max_seconds"].default
    assert params.max_feeds_via_peer == shipped["max_feeds_via_peer"].default


def test_a_small_run_writes_the_report_and_well_formed_plots(tmp_path: Path) -> None:
    results = simulate.run(nodes=120, samples=4, out=tmp_path, progress=False)
    report = (tmp_path / "simulation.md").read_text("utf-8")
    assert "| push on |" in report and "`poll_seconds` 300" in report
    for name in ("delays", "poll", "bytes", "churn"):
        svg = ET.parse(tmp_path / f"simulation-{name}.svg").getroot()
        assert svg.tag.endswith("svg") and svg.find("{http://www.w3.org/2000/svg}desc") is not None
    on, off = results["push"]["True"], results["push"]["False"]
    assert on["reached_share"] == off["reached_share"] == 1.0  # nothing stopped
    assert on["delay_p95_s"] < 2 < off["delay_p95_s"]  # push: seconds; polling: minutes
    assert on["bytes_per_node_day"]["median_kb"] > 0


def test_the_copied_feeds_are_wanted_feeds_of_the_follow_graph() -> None:
    network = build(60, (3, 4), 2, 200, random.Random(1))
    records = FollowRecords.of(network.follows)
    for node in range(network.size):
        direct = {number(r.rid) for r in records.records("follow", author=did(node))}
        assert direct == set(network.follows[node])
        assert all(network.wants[node][peer] == 1 for peer in direct if peer != node)
        two = {f for p in direct for f in network.follows[p]} - direct - {node}
        assert {f for f, hops in network.wants[node].items() if hops == 2} == two


def test_a_copier_behind_stopped_nodes_only_is_not_reached_and_polling_is_slower() -> None:
    network = build(200, (3, 5), 2, 200, random.Random(3))
    copiers: dict[int, list[int]] = {}
    for node, wants in enumerate(network.wants):
        for feed in wants:
            copiers.setdefault(feed, []).append(node)
    rng = random.Random(5)
    params = Params(nodes=200, churn=0.3)
    stopped = stopped_nodes(network, params, rng)

    def blocked(feed: int) -> set[int]:
        """Serving copiers whose every followed node holding the feed is stopped."""
        return {
            x
            for x in copiers[feed]
            if x not in stopped
            and all(p in stopped for p in network.follows[x] if network.holds(p, feed))
        }

    feed = next(f for f in range(200) if f not in stopped and copiers.get(f) and blocked(f))
    pushed = one_update(network, params, feed, stopped, copiers[feed], rng)
    polled = one_update(network, params.but(push=False), feed, stopped, copiers[feed], rng)
    assert set(pushed.arrivals) == {x for x in copiers[feed] if x not in stopped}
    for outcome in (pushed, polled):
        assert all(outcome.arrivals[x] is None for x in blocked(feed))
        assert outcome.reached < 1
    assert max(pushed.delays) < 2 < statistics.median(polled.delays)  # seconds vs minutes
