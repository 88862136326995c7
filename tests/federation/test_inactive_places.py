"""« inactif ? »: a place whose own node has published nothing and answered nothing for 30
days (the stale-directory lesson), with a fixed ``today`` and fixed store clocks."""

from __future__ import annotations

import datetime

import pytest

from node.federation import peers
from node.home import Node
from node.web.match_api import inactive_authors
from node.web.place_pages import freshness
from protocol.keys import SigningKey
from tests.support.http_servers import serve
from tests.support.polling import until

TODAY = datetime.date(2026, 12, 1)
LONG_AGO = "2026-10-01T08:00:00Z"  # 61 days before TODAY
LATELY = "2026-11-25T08:00:00Z"  # 6 days before TODAY
PROFILE = {"name": "Atelier d'hier", "address": {"city": "Nontron"}}
OFFER = {"title": "Découpe laser d'hier", "category": "production.prototypage"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Set the time the store writes (stored entries, peer successes and failures)."""
    now = {"value": LONG_AGO}
    for module in ("node.store.appending", "node.store.peers"):
        monkeypatch.setattr(f"{module}.utc_now", lambda: now["value"])
    return now


def place(node: Node, url: str) -> SigningKey:
    key = SigningKey.generate()
    node.store.append_own(key, col="profile", rid="profile", body=PROFILE)
    node.store.append_own(key, col="offer", rid="laser", body=OFFER)
    peers.remember(node.store, url, key.did)
    return key


def fail(node: Node, url: str, times: int = 3) -> None:
    for _ in range(times):
        peers.record_failure(node.store, url, peers.UNREACHABLE, 300, 3600)


def test_unreachable_and_quiet_for_30_days_is_inactive(node: Node, clock) -> None:
    gone = place(node, "https://parti.example").did
    never = place(node, "https://jamais.example").did
    back = place(node, "https://revenu.example").did
    peers.record_success(node.store, "https://parti.example", 300, did=gone)
    peers.record_success(node.store, "https://revenu.example", 300, did=back)
    fail(node, "https://jamais.example")  # never answered, failing since LONG_AGO
    clock["value"] = LATELY
    fail(node, "https://parti.example")  # last success LONG_AGO, failing again lately
    fail(node, "https://revenu.example")
    peers.record_success(node.store, "https://revenu.example", 300, did=back)  # back lately
    assert peers.inactive_places(node.store, TODAY) == {gone, never}
    # within 30 days of the last success or of the first failure: not yet
    assert peers.inactive_places(node.store, datetime.date(2026, 10, 30)) == set()
    assert node.key.did not in peers.inactive_places(node.store, TODAY)


def test_a_new_entry_or_another_address_keeps_a_place_active(node: Node, clock) -> None:
    key = place(node, "https://a.example")
    fail(node, "https://a.example")
    assert peers.inactive_places(node.store, TODAY) == {key.did}
    clock["value"] = LATELY
    node.store.append_own(key, col="offer", rid="x", body={"title": "Nouveau"})
    assert peers.inactive_places(node.store, TODAY) == set()  # it published lately
    clock["value"] = LONG_AGO
    other = place(node, "https://b.example").did
    fail(node, "https://b.example")
    assert peers.inactive_places(node.store, TODAY) == {other}
    peers.remember(node.store, "https://b2.example", other)  # a second address, not failing
    assert peers.inactive_places(node.store, TODAY) == set()


def test_freshness_says_inactive(node: Node, clock) -> None:
    did = place(node, "https://parti.example").did
    fail(node, "https://parti.example")
    assert freshness(node.store, did, node.key.did, today=TODAY)["inactive"]
    earlier = datetime.date(2026, 10, 15)
    assert not freshness(node.store, did, node.key.did, today=earlier)["inactive"]
    assert not freshness(node.store, node.key.did, node.key.did, today=TODAY)["inactive"]


async def test_place_item_and_search_pages_say_inactif(node: Node, clock) -> None:
    # the pages' day is the request's: the place went quiet long before any such day
    clock["value"] = "2000-01-01T00:00:00Z"
    did = place(node, "https://parti.example").did
    fail(node, "https://parti.example")
    client = await serve(node.settings)
    try:
        for path in (f"/lieux/{did}", f"/lieux/{did}/offer/laser"):
            assert "inactif ?" in await (await client.get(path)).text()
        assert "inactif ?" not in await (await client.get(f"/lieux/{node.key.did}")).text()
        html = await until_text(client, "/?q=laser")
        card = html.split('<article class="card">')[1]
        assert "Découpe laser d&#39;hier" in card and "inactif ?" in card
    finally:
        await client.close()


async def until_text(client, path: str) -> str:
    """The page once the index answers it with a hit."""

    async def found() -> str | None:
        text = await (await client.get(path)).text()
        return text if '<article class="card">' in text else None

    return await until(found, what="search indexed")


def test_the_matches_rank_by_the_same_rule(node: Node, clock) -> None:
    clock["value"] = "2000-01-01T00:00:00Z"  # the match routes' day is the wall clock's
    did = place(node, "https://parti.example").did
    fail(node, "https://parti.example")
    assert inactive_authors(node.store) == {did}
