from __future__ import annotations

import asyncio

from node.home import create_home, open_home
from node.writer import Writer
from tests.support.samples import OFFER


async def test_writes_are_announced_in_order(tmp_path) -> None:
    node = create_home(tmp_path / "h", name="Atelier")
    writer = Writer(node.store)
    heard: list[int] = []
    writer.add_listener(lambda entries: heard.extend(e.seq for e in entries))
    await asyncio.gather(
        *(writer.append_own(node.key, col="offer", rid=f"o{i}", body=OFFER) for i in range(5))
    )
    assert heard == [1, 2, 3, 4, 5]
    writer.close()
    node.close()


async def test_catch_up_announces_what_another_process_wrote(tmp_path) -> None:
    node = create_home(tmp_path / "h", name="Atelier")
    node.store.append_own(node.key, col="offer", rid="before", body=OFFER)
    writer = Writer(node.store)
    heard: list[str] = []

    async def listener(entries) -> None:
        heard.extend(e.rid for e in entries)

    writer.add_listener(listener)
    other = open_home(tmp_path / "h")  # as the command line would, with its own connection
    other.store.append_own(other.key, col="offer", rid="while-serving", body=OFFER)
    other.close()
    assert await writer.catch_up() == 1
    assert heard == ["while-serving"]
    assert await writer.catch_up() == 0
    writer.close()
    node.close()


async def test_catch_up_hears_a_recovery_another_process_wrote(tmp_path) -> None:
    """``maillage key recover`` while the node serves: the recovery and what follows it are
    announced, and the recovery listeners told (the index drops the disowned entries)."""
    from node.publishing import keys
    from protocol.keys import SigningKey

    node = create_home(tmp_path / "h", name="Atelier")
    recovery = SigningKey.generate()
    keys.commit_recovery(node.store, node.key, recovery.did)
    node.store.append_own(node.key, col="offer", rid="a", body=OFFER)
    node.store.append_own(node.key, col="offer", rid="b", body=OFFER)
    writer = Writer(node.store)
    heard: list[str] = []
    recovered: list[list[str]] = []
    writer.add_listener(lambda entries: heard.extend(e.col for e in entries))
    writer.add_recovery_listener(recovered.append)
    other = open_home(tmp_path / "h")
    new = SigningKey.generate()
    keys.recover(other.store, other.key.did, recovery, 2, new.did)  # keeps a, disowns b
    other.store.append_own(new.for_feed(other.key.did), col="offer", rid="c", body=OFFER)
    other.close()
    assert await writer.catch_up() == 2
    assert heard == ["key.recover", "offer"] and recovered == [[node.key.did]]
    assert await writer.catch_up() == 0
    writer.close()
    node.close()


async def test_a_failing_listener_does_not_stop_writes(tmp_path) -> None:
    node = create_home(tmp_path / "h", name="Atelier")
    writer = Writer(node.store)

    def broken(entries) -> None:
        raise RuntimeError("boom")

    writer.add_listener(broken)
    entry = await writer.append_own(node.key, col="offer", rid="x", body=OFFER)
    assert node.store.feed(node.key.did).head == entry.id
    writer.close()
    node.close()
