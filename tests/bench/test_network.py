"""``bench/network.py`` run small: a few real ``maillage serve`` processes on loopback, each at
a census place following its nearest neighbours, polling every 2 s (the benchmark itself
runs 100 at the shipped interval). It must converge, measure the reach of its updates, and
survive a node stopped."""

from __future__ import annotations

import pytest

from bench import network
from bench.sim_network import CENSUS

pytestmark = pytest.mark.skipif(not CENSUS.exists(), reason="census file absent (../shared/data)")


def test_a_small_network_converges_reaches_and_survives_a_stop(monkeypatch) -> None:
    monkeypatch.setenv("MAILLAGE_POLL_SECONDS", "2")
    result = network.run(nodes=6, updates=2, idle_seconds=2)
    assert result["processes"] == 6 and result["poll_seconds"] == 2
    assert result["reach_p95_s"] is not None and result["reach_p95_s"] < 10
    assert result["bytes_per_node_day"]["median_kb"] > 0
    churn = result["churn"]
    assert churn["stopped"] == 1
    assert churn["running_serving"] == "5/5"
    verified, copies = churn["copies_of_stopped_verified"].split("/")
    assert verified == copies and int(copies) > 0
    assert churn["not_reached_after_stop"] == 0
