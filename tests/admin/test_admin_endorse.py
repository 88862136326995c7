"""The peers page's « Recommander » and « Retirer la recommandation » (``/admin/pairs``)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from node.home import Node

PLACE = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def head(node: Node) -> int:
    feed = node.store.feed(node.key.did)
    return feed.seq if feed else 0


async def test_endorse_from_the_peers_page_and_withdraw(
    client: TestClient, node: Node, admin: str
) -> None:
    node.store.append_own(node.key, col="follow", rid=PLACE, body={"url": "http://127.0.0.1:9"})
    page = await (await client.get("/admin/pairs")).text()
    assert "<summary>Recommander" in page and 'value="production.textile"' in page
    before = head(node)
    for bad in ({"scope": "cuisine"}, {"did": "pas-un-did"}, {"note": "x" * 501}):
        data = {"csrf": admin, "did": PLACE, "note": "", **bad}
        response = await client.post("/admin/pairs/recommander", data=data)
        assert response.status == 200  # redirected to the page, the refusal said once
        assert "Recommandation refusée" in await response.text()
    assert head(node) == before
    data = [("csrf", admin), ("did", PLACE), ("note", "Partenaire"),
            ("scope", "production"), ("scope", "formation.initiation")]  # fmt: skip
    response = await client.post("/admin/pairs/recommander", data=data, allow_redirects=False)
    assert response.status == 303
    record = node.store.record(node.key.did, "endorse", PLACE)
    assert record.body == {"note": "Partenaire", "scopes": ["production", "formation.initiation"]}
    page = await (await client.get("/admin/pairs")).text()
    assert f"Vous recommandez maintenant : {PLACE}." in page
    assert "<dt>Recommandé par ce nœud</dt>" in page and "« Partenaire »" in page
    assert "Modifier la recommandation" in page
    assert 'value="formation.initiation" selected' in page
    confirm = await (await client.get(f"/admin/pairs/ne-plus-recommander?did={PLACE}")).text()
    assert "Retirer la recommandation ?" in confirm and "membre de votre réseau" in confirm
    response = await client.post(
        "/admin/pairs/ne-plus-recommander",
        data={"csrf": admin, "did": PLACE},
        allow_redirects=False,
    )
    assert response.status == 303
    assert node.store.record(node.key.did, "endorse", PLACE) is None
    page = await (await client.get("/admin/pairs")).text()
    assert f"Vous ne recommandez plus {PLACE}." in page
    again = await client.post(
        "/admin/pairs/ne-plus-recommander", data={"csrf": admin, "did": PLACE}
    )
    assert "pas (ou plus) recommandé par ce nœud" in await again.text()
