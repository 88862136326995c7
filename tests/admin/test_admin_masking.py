"""The peers page's masking: « Masquer » with a reason, « Ne plus masquer », and a list
applied from the admin area, with its confirmation step for a place followed directly."""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp.test_utils import TestClient

from node.home import Node, create_home
from tests.support.http_servers import serve
from tests.support.polling import until
from tests.support.samples import OFFER


async def _post(client: TestClient, path: str, **data: str) -> str:
    response = await client.post(path, data=data, allow_redirects=False)
    assert response.status == 303
    return html.unescape(await (await client.get("/admin/pairs")).text())


async def _total(client: TestClient, word: str) -> int:
    return (await (await client.get(f"/api/search?q={word}")).json())["total"]


async def test_mask_a_place_then_apply_a_list_with_a_confirmation(
    client: TestClient, node: Node, admin: str, tmp_path: Path
) -> None:
    with (
        create_home(tmp_path / "voisin", name="Atelier voisin") as other,
        create_home(tmp_path / "liste", name="Réseau vigilant") as lister,
    ):
        other.store.append_own(other.key, col="profile", rid="profile", body={"name": "Voisin"})
        other.store.append_own(other.key, col="offer", rid="four", body={**OFFER, "title": "Four"})
        reasons = [{"did": other.key.did, "reason": "annonces trompeuses"}]
        lister.store.append_own(
            lister.key, col="blocklist", rid="principale", body={"places": reasons}
        )
        servers = [await serve(other.settings), await serve(lister.settings)]
        try:
            for server in servers:
                url = str(server.make_url("")).rstrip("/")
                await _post(client, "/admin/pairs/suivre", csrf=admin, url=url)
            await until(lambda: _total(client, "four"), what="the neighbour's offer indexed")
            await until(lambda: node.store.record(lister.key.did, "blocklist", "principale"))
            page = html.unescape(await (await client.get("/admin/pairs")).text())
            assert 'action="/admin/pairs/masquer"' in page and "Aucun lieu masqué." in page

            for bad, message in (
                ("pas-un-did", "n'est pas l'identifiant d'un lieu"),
                (node.key.did, "ne peut pas se masquer lui-même"),
            ):
                page = await _post(client, "/admin/pairs/masquer", csrf=admin, did=bad)
                assert "Rien n'a changé" in page and message in page, bad
            page = await _post(
                client, "/admin/pairs/masquer", csrf=admin, did=other.key.did, reason="pourriel"
            )
            assert "Lieu masqué sur ce nœud" in page and "pourriel" in page
            assert "Ne plus masquer" in page and "Masqué sur ce nœud" in page
            assert await _total(client, "four") == 0
            page = await _post(
                client, "/admin/pairs/ne-plus-masquer", csrf=admin, did=other.key.did
            )
            assert "Lieu de nouveau visible" in page and "Aucun lieu masqué." in page
            assert await _total(client, "four") == 1

            address = lister.key.did
            page = await _post(client, "/admin/pairs/listes/appliquer", csrf=admin, address=address)
            assert "Liste appliquée" in page and "annonces trompeuses" in page
            assert "non appliqué : suivi directement, à confirmer" in page
            assert "Masquer aussi ce lieu suivi" in page
            assert await _total(client, "four") == 1  # followed directly: not without a yes
            page = await _post(
                client,
                "/admin/pairs/listes/appliquer",
                csrf=admin,
                address=f"{address}/principale",
                confirm=other.key.did,
            )
            assert "vous l'avez confirmé" in page and "confirmé par l'opérateur" in page
            assert await _total(client, "four") == 0
            page = await _post(
                client, "/admin/pairs/listes/retirer", csrf=admin, address=f"{address}/principale"
            )
            assert (
                "plus appliquée : ses lieux reviennent" in page and "Aucune liste appliquée" in page
            )
            assert await _total(client, "four") == 1
        finally:
            for server in servers:
                await server.close()
