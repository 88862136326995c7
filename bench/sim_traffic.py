"""Bytes per node per day in the simulated network, at one update per place per day.

Two parts. **Polls** follow from the schedule alone: each node polls each node it follows
every ``poll_seconds`` (plus half a sync round on average), or every ``backoff_max_seconds``
when that node is stopped (a connection refused or timed out: no bytes counted). A poll
is a conditional ``GET /feeds``: 304 while nothing changed at the polled node (448 bytes in
all, measured in ``docs/benchmarks.md``), else 200 with the list of the feeds it holds; with
every feed updated once a day, the chance that a poll finds the list changed follows from
how many feeds the polled node holds. **Updates** come from the sampled runs of
:func:`bench.sim_model.one_update`: each push received or sent (an entry line in a POST, and
its 202), each entry fetched by a poll (a ``GET …/entries`` page of one line), scaled to one
update per place per day.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import orjson

from bench.sim_model import Outcome, Params
from bench.sim_network import Network

DAY = 86400.0
#: A poll that finds nothing new: request and 304, measured (docs/benchmarks.md).
POLL_UNCHANGED_BYTES = 448
#: The request of a poll, measured with it, and the status line and headers of a 200.
REQUEST_BYTES = 215
ANSWER_HEAD_BYTES = 280
#: One feed in the list of ``GET /feeds``, as the node writes it (a did, a seq, a head id).
FEED_ITEM_BYTES = (
    len(orjson.dumps({"did": "did:key:z6Mk" + "x" * 44, "seq": 1234, "head": "sha256-" + "x" * 43}))
    + 1
)
#: A realistic offer's line (docs/benchmarks.md), and a push's POST request head and its 202.
ENTRY_BYTES = 1540
PUSH_OVERHEAD_BYTES = 380 + 160


def per_node_day(
    network: Network, params: Params, stopped: set[int], outcomes: Sequence[Outcome]
) -> list[float]:
    """Bytes sent plus received by each serving node in a day."""
    traffic = [0.0] * network.size
    half_round = params.round_seconds / 2
    for x in range(network.size):
        if x in stopped:
            continue
        for peer in network.follows[x]:
            if peer in stopped:
                continue  # polled every backoff_max_seconds, answered by nobody
            polls = DAY / (params.poll_seconds + half_round)
            held = len(network.wants[peer]) + 1
            changed = polls * (1 - math.exp(-held / polls))
            cost = (polls - changed) * POLL_UNCHANGED_BYTES + changed * (
                REQUEST_BYTES + ANSWER_HEAD_BYTES + held * FEED_ITEM_BYTES
            )
            traffic[x] += cost
            traffic[peer] += cost
    scale = (network.size - len(stopped)) / max(1, len(outcomes))  # updates a day per sample
    push = ENTRY_BYTES + PUSH_OVERHEAD_BYTES
    fetch = REQUEST_BYTES + ANSWER_HEAD_BYTES + ENTRY_BYTES
    for outcome in outcomes:
        for counts, size in (
            (outcome.pushes_in, push),
            (outcome.pushes_out, push),
            (outcome.fetches_in, fetch),
            (outcome.fetches_out, fetch),
        ):
            for node, n in counts.items():
                traffic[node] += n * size * scale
    return [t for x, t in enumerate(traffic) if x not in stopped]


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, 95th percentile and maximum, in kB."""
    ordered = sorted(values)
    if not ordered:
        return {"median_kb": 0.0, "p95_kb": 0.0, "max_kb": 0.0}
    return {
        "median_kb": round(statistics.median(ordered) / 1000, 1),
        "p95_kb": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] / 1000, 1),
        "max_kb": round(ordered[-1] / 1000, 1),
    }
