"""A published blocklist changes nothing until a node applies it; then its places are gone
from that node only, its later versions are followed, and a place the node follows directly
is hidden only once the operator confirms it. Real nodes on loopback:

- L publishes the list and follows X (so B, which follows L, copies X two hops away);
- F is followed directly by B; L lists both X and F;
- C follows L too and never applies the list.
"""

from __future__ import annotations

from pathlib import Path

from node.federation.hiding import refresh
from tests.support.hiding import found, get, place
from tests.support.live_nodes import LiveNode, cli, until


async def test_a_list_applies_only_where_chosen_and_follows_its_publisher(tmp_path: Path) -> None:
    nodes = [await LiveNode(tmp_path, name).start() for name in ("L", "X", "F", "B", "C")]
    ell, x, f, b, c = nodes
    try:
        await place(x, "xylogravure")
        await place(f, "ferronnerie")
        assert (await cli("follow", "--home", ell.home, x.url))[0] == 0
        await until(lambda: ell.seq_of(x.did) == 2, what="X copied by L")
        for did, why in ((x.did, "faux lieu"), (f.did, "doublon")):
            status, out, _ = await cli("blocklist", "add", "--home", ell.home, did, "--reason", why)
            assert status == 0 and "ajouté à la liste « principale »" in out
        for node in (b, c):
            assert (await cli("follow", "--home", node.home, ell.url))[0] == 0
        assert (await cli("follow", "--home", b.home, f.url))[0] == 0

        async def synced(node: LiveNode) -> bool:
            await node.sync()
            return node.store.record(ell.did, "blocklist", "principale") is not None and bool(
                node.seq_of(x.did)
            )

        await until(lambda: synced(b), what="B holds L's list and X")
        await until(lambda: synced(c), what="C holds L's list and X")
        # published, not applied: nothing hidden anywhere
        for node in (b, c):
            await until(lambda n=node: found(n, "xylogravure"), what="X indexed")
        assert await found(b, "ferronnerie")

        status, out, _ = await cli("apply-blocklist", "--home", b.home, ell.did)
        assert status == 0 and "liste appliquée" in out
        assert "suivi directement, à confirmer" in out and f"--confirm {f.did}" in out
        await refresh(b.app)
        assert await found(b, "xylogravure") == 0
        assert (await get(b, f"/lieux/{x.did}"))[0] == 410
        assert await found(b, "ferronnerie") == 2  # followed directly: not without a yes
        assert await found(c, "xylogravure") == 2  # C never applied it
        assert await found(ell, "xylogravure") == 2  # nor its publisher: a list is advice
        status, out, _ = await cli("blocklists", "--home", b.home)
        assert status == 0 and x.did in out and "faux lieu" in out and "masqué" in out
        assert "non appliqué : suivi directement, à confirmer" in out
        status, out, _ = await cli("mutes", "--home", b.home)
        assert x.did in out and "liste « principale »" in out and f.did not in out

        # the publisher takes X out, then puts it back: B follows each version
        assert (await cli("blocklist", "remove", "--home", ell.home, x.did))[0] == 0
        await until(lambda: _list_size(b, ell, 1), what="the new version at B")
        await refresh(b.app)
        assert await found(b, "xylogravure") == 2
        assert (await cli("blocklist", "add", "--home", ell.home, x.did, "--reason", "re"))[0] == 0
        await until(lambda: _list_size(b, ell, 2), what="the third version at B")
        await refresh(b.app)
        assert await found(b, "xylogravure") == 0

        status, out, _ = await cli(
            "apply-blocklist", "--home", b.home, f"{ell.did}/principale", "--confirm", f.did
        )
        assert status == 0 and "confirmé par l'opérateur" in out
        await refresh(b.app)
        assert await found(b, "ferronnerie") == 0

        status, out, _ = await cli("apply-blocklist", "--home", b.home, ell.did, "--remove")
        assert status == 0 and "plus appliquée" in out
        await refresh(b.app)
        assert await found(b, "xylogravure") == 2 and await found(b, "ferronnerie") == 2
        status, out, _ = await cli("blocklists", "--home", b.home)
        assert "aucune liste appliquée" in out
    finally:
        for node in reversed(nodes):
            await node.stop()


async def _list_size(node: LiveNode, publisher: LiveNode, size: int) -> bool:
    """Whether ``node``, after a round, holds ``publisher``'s list with ``size`` places."""
    await node.sync()
    record = node.store.record(publisher.did, "blocklist", "principale")
    return record is not None and len(record.body["places"]) == size
