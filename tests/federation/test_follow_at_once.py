"""A follow acts at once: written by « maillage follow » while the node serves (or from the
admin area), it starts replicating the followed feed without waiting for a poll, and an
unfollow stops it. The nodes here never poll on their own (``polling=False``): only the
follow itself can have started the copy."""

from __future__ import annotations

from pathlib import Path

from node.federation import peers
from node.federation.sync import REPLICATOR
from tests.support.live_nodes import LiveNode, cli, until
from tests.support.samples import OFFER


async def test_a_follow_from_the_command_line_copies_the_feed_at_once(tmp_path: Path) -> None:
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        for i in range(3):
            await a.put(f"offre-{i}", {**OFFER, "title": f"Offre {i}"})
        status, out, _ = await cli("follow", "--home", b.home, a.url)
        assert status == 0 and "vous suivez maintenant" in out
        # the serving node sees the CLI's entry (catch-up, 0.5 s) and runs a round at once
        await until(lambda: b.seq_of(a.did) == 3, timeout=5, what="A's feed held by B")
        assert b.store.record(a.did, "offer", "offre-2") is not None

        status, out, _ = await cli("unfollow", "--home", b.home, a.url)
        assert status == 0 and "vous ne suivez plus" in out
        await until(lambda: a.did not in _wanted(b), timeout=5, what="A no longer wanted")
        await a.put("offre-3", {**OFFER, "title": "Offre 3"})
        report = await b.sync()
        assert a.url not in report.polled and b.seq_of(a.did) == 3
    finally:
        await b.stop()
        await a.stop()


async def test_a_round_started_by_a_follow_does_not_outlive_the_node(tmp_path: Path) -> None:
    """Stopping the node while the round a follow started is still running cancels it
    cleanly (no task left, no error logged as a traceback)."""
    a = await LiveNode(tmp_path, "A").start()
    b = await LiveNode(tmp_path, "B").start()
    try:
        await a.put("offre", OFFER)
        assert (await cli("follow", "--home", b.home, a.url))[0] == 0
        replicator = b.app[REPLICATOR]
    finally:
        await b.stop()
        await a.stop()
    assert not replicator._round.locked()


def _wanted(node: LiveNode) -> set[str]:
    return set(peers.wanted_feeds(node.store, node.did, node.settings.max_hops))
