"""An urgent need jumps the queue of pushes to a slow subscriber, its feed kept in order.

The hub is a real node on loopback; the subscriber a fake callback server that records the
order of the lines it receives and holds its first push until the test lets it go, so that
many ordinary pushes are pending behind it (one line a push, coalescing shortened: the test
takes well under a second, with no fixed sleep).
"""

from __future__ import annotations

import asyncio
import datetime

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from node.appkeys import KEY, WRITER
from node.federation import push_hub
from node.federation.push_hub import PUSHER
from node.home import Node
from tests.support.push import FakeSubscriber, until
from tests.support.samples import OFFER, chain, key

ORDINARY = 30


def need(urgency: str) -> dict[str, object]:
    soon = datetime.date.today() + datetime.timedelta(days=10)
    return {
        "title": "Visières de protection",
        "category": "production.petite-serie",
        "quantity": 500,
        "unit": "pièces",
        "due_date": soon.isoformat(),
        "urgency": urgency,
    }


class SlowSubscriber(FakeSubscriber):
    """Holds its first push until :attr:`gate` is set; records every line in order."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = 0

    async def _push(self, request: web.Request) -> web.Response:
        self.started += 1
        if self.started == 1:
            await self.gate.wait()
        return await super()._push(request)


@pytest.fixture
def one_line_pushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(push_hub, "PUSH_MAX_BYTES", 1)  # each push carries one line
    monkeypatch.setattr(push_hub, "COALESCE_SECONDS", 0.01)
    monkeypatch.setattr(push_hub, "URGENT_COALESCE_SECONDS", 0.0)


@pytest.mark.usefixtures("one_line_pushes")
@pytest.mark.parametrize(
    ("author", "urgency", "first"),
    [
        ("own", "critique", True),  # the author's node
        ("relayed", "haute", True),  # a node relaying another's feed
        ("own", "normale", False),  # ordinary urgency waits its turn
    ],
)
async def test_an_urgent_need_goes_ahead_of_pending_pushes(
    client: TestClient, node: Node, author: str, urgency: str, first: bool
) -> None:
    app = client.server.app
    busy = chain(key("un voisin bavard"), [("offer", f"o{i}", OFFER) for i in range(ORDINARY)])
    relayed = chain(
        key("un voisin"),
        [("offer", "o", OFFER), ("offer", "p", OFFER), ("need", "n", need(urgency))],
    )
    # the hub replicates both feeds (announced before anyone subscribes: not pushed)
    await app[WRITER].append([busy[0], relayed[0]])
    feeds = [node.key.did, busy[0].author, relayed[0].author]
    async with SlowSubscriber() as fake:
        request = {"mode": "subscribe", "callback": fake.callback, "feeds": feeds}
        headers = {"Content-Type": "application/json"}
        assert (await client.post("/inbox", data=orjson.dumps(request), headers=headers)).ok
        await until(lambda: app[PUSHER].callbacks(busy[0].author), what="subscribed")
        await app[WRITER].append(busy[1:2])
        await until(lambda: fake.started == 1, what="the first push held")
        await app[WRITER].append(busy[2:])  # pending behind it, one push each
        if author == "own":
            before = await app[WRITER].append_own(app[KEY], col="offer", rid="o", body=OFFER)
            urgent = await app[WRITER].append_own(app[KEY], col="need", rid="n", body=need(urgency))
        else:
            await app[WRITER].append(relayed[1:])  # as if pushed to the hub by its author
            before, urgent = relayed[1], relayed[2]
        fake.gate.set()
        expected = len(busy) - 1 + 2
        await until(lambda: len(fake.lines) == expected, what="every line pushed")
    ordinary = [e.line for e in busy[1:]]
    mine = [before.line, urgent.line]  # the line of its feed queued before it goes with it
    if first:
        assert fake.lines == [ordinary[0], *mine, *ordinary[1:]]
    else:
        assert fake.lines == [*ordinary, *mine]
