"""``GET /api/match`` on a real node holding the visors case (``tests/support/match_corpus``)."""

from __future__ import annotations

import pytest

from node.appkeys import WRITER
from node.home import Node
from tests.support import match_corpus as corpus


@pytest.fixture
async def served(node: Node, monkeypatch):
    client, keys = await corpus.serve_case(node, monkeypatch)
    yield client, keys
    await client.close()


async def test_the_nearby_place_that_can_make_500_in_time_comes_first(served):
    client, keys = served
    response = await client.get(
        "/api/match", params={"author": keys["mairie"].did, "rid": "visieres"}
    )
    assert response.status == 200
    data = await response.json()
    assert data["need"]["title"] == corpus.NEED["title"]
    assert data["need"]["quantity"] == 500 and data["need"]["urgency_label"] == "Critique"
    names = {key.did: place for place, key in keys.items()}
    assert [(names[m["author"]], m["rid"]) for m in data["matches"]] == corpus.EXPECTED
    assert data["total"] == len(corpus.EXPECTED) and data["page"] == 1
    first = data["matches"][0]
    assert first["place"] == {"name": "Fablab de Boulazac", "city": "Boulazac", "department": "24"}
    assert first["url"] == f"/lieux/{keys['proche'].did}/offer/visieres"
    assert (first["covers"], first["in_time"], first["mobilisable"]) == (True, True, False)
    assert first["reasons"] == [
        "même catégorie : Petite série sur mesure",
        "mots en commun : visières, protection",
        "jusqu'à 1\u202f000 pièces (besoin : 500)",
        "délai 5 jours, avant l'échéance du 11 décembre",
        "à 4 km",
        "dans sa zone d'intervention",
    ]
    second = data["matches"][1]
    assert second["mobilisable"] is True
    partial = next(m for m in data["matches"] if names[m["author"]] == "partiel")
    assert "ne couvre que 200 pièces sur 500" in partial["reasons"]
    slow = next(m for m in data["matches"] if names[m["author"]] == "lent")
    assert "délai 15 jours : trop tard pour l'échéance du 11 décembre" in slow["reasons"]
    assert all(m["distance_km"] is not None and m["reasons"] for m in data["matches"])


async def test_paging_and_expired_on_request(served):
    client, keys = served
    query = {"author": keys["mairie"].did, "rid": "visieres"}
    page = await (
        await client.get("/api/match", params={**query, "per_page": "2", "page": "2"})
    ).json()
    assert [m["rid"] for m in page["matches"]] == ["visieres", "impression"]
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, len(corpus.EXPECTED))
    more = await (await client.get("/api/match", params={**query, "expired": "1"})).json()
    assert more["total"] == len(corpus.EXPECTED) + 1


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({}, 400, "bad-parameter"),
        ({"author": "did:key:nope", "rid": "visieres"}, 400, "bad-parameter"),
        ({"rid": "visieres"}, 400, "bad-parameter"),
        ({"author": "MAIRIE", "rid": "a b"}, 400, "bad-parameter"),
        ({"author": "MAIRIE", "rid": "visieres", "page": "0"}, 400, "bad-parameter"),
        ({"author": "MAIRIE", "rid": "visieres", "expired": "oui"}, 400, "bad-parameter"),
        ({"author": "MAIRIE", "rid": "inconnu"}, 404, "unknown-need"),
        ({"author": "PROCHE", "rid": "visieres"}, 404, "unknown-need"),  # an offer
    ],
)
async def test_bad_or_unknown_needs_are_json_4xx_in_french(served, query, status, code):
    client, keys = served
    named = {"MAIRIE": keys["mairie"].did, "PROCHE": keys["proche"].did}
    params = {k: named.get(v, v) for k, v in query.items()}
    response = await client.get("/api/match", params=params)
    assert response.status == status
    data = await response.json()
    assert data["error"] == code and data["message"]
    assert "Traceback" not in data["message"]


async def test_a_match_is_kept_until_the_index_changes(served):
    client, keys = served
    query = {"author": keys["mairie"].did, "rid": "visieres"}
    first = await client.get("/api/match", params=query)
    etag = first.headers["ETag"]
    again = await client.get("/api/match", params=query, headers={"If-None-Match": etag})
    assert again.status == 304
    await client.app[WRITER].append_own(keys["proche"], col="offer", rid="visieres", op="del")
    data = await (await client.get("/api/match", params=query)).json()
    assert keys["proche"].did not in {m["author"] for m in data["matches"]}
