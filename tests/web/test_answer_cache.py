"""The answers kept (node.web.answer_cache) and the admission of searches
(node.web.admission): invalidation by writes, ETag and 304, 503 busy with Retry-After, and
federation served while every search slot is taken. No timing: slots are held by the test."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from node.api_errors import ApiError
from node.appkeys import KEY, SEARCH, WRITER
from node.home import Node
from node.settings import Settings
from node.web.admission import ADMISSION, Admission
from node.web.answer_cache import ANSWERS
from tests.support.http_servers import serve
from tests.support.polling import until
from tests.support.search_corpus import fill

HTML = {"Accept": "text/html"}


async def served_node(node: Node, **settings):
    keys, _ = fill(node.store)
    client = await serve(Settings.load(node.settings.home, **settings))
    await client.app[WRITER].catch_up()
    return client, keys


@pytest.fixture
async def served(node: Node):
    client, keys = await served_node(node)
    yield client, keys
    await client.close()


@contextlib.asynccontextmanager
async def every_slot_taken(client, expected_wait_s: float = 3600.0):
    """Hold every search slot; the recent render time makes the line look that long."""
    admission = client.app[ADMISSION]
    release = asyncio.Event()
    held = []

    async def hold() -> None:
        async with admission.slot():
            held.append(True)
            await release.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(admission.running)]
    await until(lambda: len(held) == admission.running, what="every slot held")
    admission.render_s = expected_wait_s
    try:
        yield admission
    finally:
        release.set()
        await asyncio.gather(*tasks)
        admission.render_s = 0.0


async def test_an_answer_is_kept_with_its_etag_and_revalidated_with_304(served):
    client, _ = served
    first = await client.get("/api/search?q=atelier&page=1")
    tag = first.headers["ETag"]
    assert first.status == 200 and tag.startswith('"')
    again = await client.get("/api/search?page=1&q=atelier")  # the same search, reordered
    assert again.headers["ETag"] == tag and await again.read() == await first.read()
    assert client.app[ANSWERS].hits >= 1
    unchanged = await client.get("/api/search?q=atelier", headers={"If-None-Match": tag})
    assert unchanged.status == 304 and unchanged.headers["ETag"] == tag
    assert await unchanged.read() == b""
    page = await client.get("/?q=atelier", headers=HTML)
    assert page.status == 200 and page.headers["ETag"] != tag
    assert page.headers["Content-Security-Policy"]  # the page's headers are kept with it
    kept = await client.get("/?q=atelier", headers={**HTML, "If-None-Match": page.headers["ETag"]})
    assert kept.status == 304


async def test_a_write_to_the_index_makes_every_older_answer_stale(served):
    client, keys = served
    before = await client.get("/api/search?q=céramiques")
    assert (await before.json())["total"] == 0
    generation = client.app[SEARCH].generation
    await client.app[WRITER].append_own(
        keys["lyon"], col="offer", rid="four", body={"title": "Four à céramique", "category": "x"}
    )
    assert client.app[SEARCH].generation > generation
    after = await client.get("/api/search?q=céramiques", headers={"If-None-Match": "x"})
    assert (await after.json())["total"] == 1
    assert after.headers["ETag"] != before.headers["ETag"]
    stale = await client.get(
        "/api/search?q=céramiques", headers={"If-None-Match": before.headers["ETag"]}
    )
    assert stale.status == 200  # the old tag names an answer that is no more


async def test_while_an_answer_is_rendered_again_the_others_get_the_one_before(served):
    client, keys = served
    before = await (await client.get("/api/search?q=céramiques")).read()
    await client.app[WRITER].append_own(
        keys["lyon"], col="offer", rid="four", body={"title": "Four à céramique", "category": "x"}
    )
    cache = client.app[ANSWERS]
    (key,) = [k for k in cache._answers if k[0] == "api" and k[2].q == "céramiques"]
    cache.rendering.add(key)  # as if another request were rendering it now
    assert await (await client.get("/api/search?q=céramiques")).read() == before
    cache.rendering.discard(key)
    assert (await (await client.get("/api/search?q=céramiques")).json())["total"] == 1


async def test_a_saturated_node_sheds_new_searches_with_503_and_retry_after(served):
    client, _ = served
    kept = await client.get("/api/search?q=atelier")
    async with every_slot_taken(client) as admission:
        busy = await client.get("/api/search?q=couture")
        assert busy.status == 503 and int(busy.headers["Retry-After"]) >= 1
        assert (await busy.json())["error"] == "busy"
        page = await client.get("/?q=couture", headers=HTML)
        assert page.status == 503 and page.headers["Retry-After"]
        assert "text/html" in page.headers["Content-Type"]
        assert "réessayez" in await page.text()
        again = await client.get("/api/search?q=atelier")  # kept: answered, not queued
        assert again.status == 200 and await again.read() == await kept.read()
        assert admission.busy == 2


async def test_a_search_that_waits_past_the_queue_time_is_shed(node: Node):
    client, _ = await served_node(node, search_queue_seconds=0.01)
    try:
        async with every_slot_taken(client, expected_wait_s=0.0):  # the line looks empty
            busy = await client.get("/api/search?q=couture")
            assert busy.status == 503 and busy.headers["Retry-After"]
    finally:
        await client.close()


async def test_federation_and_the_index_writer_go_on_while_every_search_slot_is_taken(served):
    client, _ = served
    did = client.app[KEY].did
    async with every_slot_taken(client):
        assert (await client.get("/api/search?q=couture")).status == 503
        feeds = await client.get("/feeds")
        assert feeds.status == 200
        entry = await client.app[WRITER].append_own(
            client.app[KEY], col="offer", rid="four", body={"title": "Four", "category": "x"}
        )
        head = await client.get(f"/feeds/{did}/head")
        assert head.status == 200 and (await head.json())["seq"] == entry.seq
        entries = await client.get(f"/feeds/{did}/entries")
        assert entries.status == 200 and (await entries.read()).count(b"\n") == entry.seq
        assert (await client.get("/.well-known/maillage")).status == 200
    found = await client.get("/api/search?q=four")
    assert any(r["rid"] == "four" for r in (await found.json())["results"])


async def test_a_search_past_the_caps_costs_little_and_is_still_answered(served):
    """Past the caps (search/query.py, search/searching.py) a search is answered, cheaply:
    a refusal could not be stated in the API's description of ``q`` and ``page``."""
    client, _ = served
    deep = await (await client.get("/api/search?page=251&per_page=20")).json()
    shallow = await (await client.get("/api/search?page=1&per_page=20")).json()
    assert deep["results"] == [] and deep["total"] == shallow["total"] > 0
    for query in ("q=a*", "q=atelier ?aser", "q=ab* cd* ef* gh~ ij?", "per_page=100&page=51"):
        assert (await client.get(f"/api/search?{query}")).status == 200, query
        assert (await client.get(f"/?{query}", headers=HTML)).status == 200, query


async def test_searches_within_the_caps_are_answered(served):
    client, _ = served
    for query in ("q=at*", "page=250&per_page=20", "q=lazer~ ate*"):
        assert (await client.get(f"/api/search?{query}")).status == 200


async def test_admission_hands_each_slot_over_once_and_loses_none():
    admission = Admission(1, max_wait=3600)
    first = asyncio.Event()

    async def render(done: asyncio.Event) -> None:
        async with admission.slot():
            await done.wait()

    holder = asyncio.create_task(render(first))
    await until(lambda: admission.free == 0)
    second = asyncio.Event()
    waiter = asyncio.create_task(render(second))
    gone = asyncio.create_task(render(asyncio.Event()))
    await until(lambda: admission.waiting == 2)
    gone.cancel()  # a client that left while it waited holds nothing
    await asyncio.gather(gone, return_exceptions=True)
    first.set()
    await holder
    await until(lambda: admission.waiting == 0 and admission.free == 0)  # to the waiter
    second.set()
    await waiter
    assert admission.free == 1 and admission.busy == 0
    admission.close()


async def test_admission_sheds_a_waiter_whose_time_ran_out_and_keeps_its_slots():
    admission = Admission(1, max_wait=0.01)
    release = asyncio.Event()

    async def hold() -> None:
        async with admission.slot():
            await release.wait()

    holder = asyncio.create_task(hold())
    await until(lambda: admission.free == 0)
    admission.render_s = 0.0  # the line looks empty: it waits, then its time runs out
    with pytest.raises(ApiError) as shed:
        async with admission.slot():
            pass
    assert shed.value.status == 503 and shed.value.code == "busy"
    assert shed.value.headers["Retry-After"] == "1"
    release.set()
    await holder
    assert admission.free == 1 and admission.busy == 1
    admission.close()


async def test_a_render_again_waits_behind_a_search_nobody_has_an_answer_for():
    admission = Admission(1, max_wait=3600)
    release, order = asyncio.Event(), []

    async def render(name: str, later: bool) -> None:
        async with admission.slot(later=later):
            order.append(name)
            if name == "holder":
                await release.wait()

    holder = asyncio.create_task(render("holder", False))
    await until(lambda: admission.free == 0)
    again = asyncio.create_task(render("again", True))  # came first, but has an older answer
    await until(lambda: admission.waiting == 1)
    new = asyncio.create_task(render("new word", False))
    await until(lambda: admission.waiting == 2)
    release.set()
    await asyncio.gather(holder, again, new)
    assert order == ["holder", "new word", "again"] and admission.free == 1
    admission.close()


async def test_a_render_again_that_cannot_get_its_turn_answers_the_older_answer(served):
    client, _ = served
    before = await client.get("/api/search?q=atelier")
    assert before.status == 200
    await client.app[WRITER].append_own(
        client.app[KEY], col="offer", rid="neuve", body={"title": "Offre neuve"}
    )
    async with every_slot_taken(client):
        again = await client.get("/api/search?q=atelier")  # older, and no turn to render
        assert again.status == 200 and await again.read() == await before.read()
        fresh = await client.get("/api/search?q=nouveau")  # no answer at all: busy
        assert fresh.status == 503 and fresh.headers["Retry-After"]
