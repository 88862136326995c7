"""An urgent need reaches the banner of a node two hops from its author, by push alone.

Three real nodes on loopback, A → B → C (B follows A; C follows B and, through it, wants A's
feed), none of them polling (``Peer``: ``polling=False``): only push can carry A's entries
to C. A ``critique`` need of A shows in C's « Besoins urgents » banner within seconds; a
need of ordinary urgency reaches C and is found there, without a banner; an urgent need
past its due date shows no banner either.
"""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import aiohttp

from node.appkeys import KEY, WRITER
from node.federation.push_hub import PUSHER
from node.scheduler import JOBS
from tests.support.push import in_a_row, until
from tests.support.samples import OFFER

#: Seconds within which C must show A's urgent need (push: ~1 s coalescing a hop at most).
DEADLINE = 10.0
PUSH_JOBS = {"catch-up", "push-expire", "push-subscriptions", "hidden"}  # hidden: local only


def need(title: str, urgency: str, due_in_days: int) -> dict[str, Any]:
    due = datetime.date.today() + datetime.timedelta(days=due_in_days)
    return {
        "title": title,
        "description": "Pour l'hôpital et les EHPAD du secteur.",
        "category": "production.petite-serie",
        "quantity": 500,
        "unit": "pièces",
        "due_date": due.isoformat(),
        "urgency": urgency,
    }


async def banner_of(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url + "/") as response:
        page = await response.text()
    start = page.find('<section class="urgent"')
    return "" if start < 0 else page[start : page.index("</section>", start)]


async def found(session: aiohttp.ClientSession, url: str, words: str) -> list[str]:
    async with session.get(url + "/api/search", params={"q": words}) as response:
        data = await response.json() if response.status == 200 else {"results": []}
    return [hit["rid"] for hit in data["results"]]


async def test_an_urgent_need_shows_two_hops_away_within_seconds(tmp_path: Path) -> None:
    profile = {"name": "Fablab A", "address": {"city": "Nontron"}}
    a, b, c = in_a_row(
        tmp_path,
        {"col": "profile", "rid": "profile", "body": profile},
        {"col": "offer", "rid": "laser", "body": OFFER},
    )
    try:
        apps = [await peer.start() for peer in (a, b, c)]
        for app in apps:  # polling off: no pull replication job at all
            assert {job.name for job in app[JOBS]} <= PUSH_JOBS
        await until(lambda: apps[0][PUSHER].callbacks(a.did), what="B subscribed at A")
        await until(lambda: apps[1][PUSHER].callbacks(a.did), what="C subscribed at B")
        async with aiohttp.ClientSession() as session:
            assert await banner_of(session, c.url) == ""
            write = apps[0][WRITER]
            began = time.monotonic()
            await write.append_own(
                apps[0][KEY], col="need", rid="visieres", body=need("Visières", "critique", 9)
            )

            async def shown() -> bool:
                return "/need/visieres" in await banner_of(session, c.url)

            await until(shown, timeout=DEADLINE, step=0.05, what="the banner of C")
            elapsed = time.monotonic() - began
            print(f"\nbesoin critique de A dans le bandeau de C en {elapsed:.2f} s")
            region = await banner_of(session, c.url)
            assert "Visières" in region and "Critique" in region and "Fablab A, Nontron" in region

            await write.append_own(
                apps[0][KEY], col="need", rid="chaises", body=need("Chaises pliantes", "normale", 9)
            )
            await write.append_own(
                apps[0][KEY],
                col="need",
                rid="gel",
                body=need("Gel hydroalcoolique", "critique", -1),
            )
            began = time.monotonic()
            await until(lambda: c.store.record(a.did, "need", "gel"), timeout=DEADLINE)
            print(f"besoins suivants de A reçus par C en {time.monotonic() - began:.2f} s")

            async def searchable() -> bool:
                return "chaises" in await found(session, c.url, "chaises pliantes")

            await until(searchable, timeout=DEADLINE, what="the ordinary need found on C")
            region = await banner_of(session, c.url)
            assert "/need/visieres" in region
            assert "/need/chaises" not in region and "Chaises" not in region
            assert "/need/gel" not in region and "Gel" not in region
    finally:
        for peer in (c, b, a):
            await peer.close()
