"""Publishing a need in a minute through the real admin (login link, CSRF), and an offer
that answers calls for mobilisation (issue 13)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from node.admin.fields import fields
from node.home import Node
from tests.admin.test_admin import problems, read, seq

NEED = {
    "title": "500 visières de protection",
    "category": "production.petite-serie",
    "description": "Visières en PETG pour les soignants du centre hospitalier.",
    "quantity": "500",
    "unit": "pièces",
    "due_date": "11/12/2031",
    "urgency": "haute",
    "area.departments": "24, 33",
    "area.radius_km": "80",
    "valid_until": "2031-12-31",
}


async def test_the_need_form_says_what_each_field_is_for(client: TestClient, admin: str) -> None:
    page = await read(await client.get("/admin/besoins/ajouter"))
    order = [page.index(f'for="f-{name}"') for name in ("title", "quantity", "due_date")]
    order += [page.index('for="f-urgency"'), page.index('for="f-area-departments"')]
    assert order == sorted(order)  # what, how many, by when, how urgent, where
    assert "le besoin est poussé en priorité à tout le réseau et s'affiche en bandeau" in page
    for field in fields("need")[:10]:
        assert field.hint, field.path  # every field of the essentials explains itself
    assert page.count("Laissez vide") >= 5


async def test_publish_a_need_end_to_end(client: TestClient, node: Node, admin: str) -> None:
    response = await client.post(
        "/admin/besoins/ajouter", data={"csrf": admin, **NEED}, allow_redirects=False
    )
    assert response.status == 303, problems(await response.text())
    record = node.store.record(node.key.did, "need", "500-visieres-de-protection")
    assert record.body == {
        "title": "500 visières de protection",
        "category": "production.petite-serie",
        "description": "Visières en PETG pour les soignants du centre hospitalier.",
        "quantity": 500,
        "unit": "pièces",
        "due_date": "2031-12-11",  # typed the French way
        "urgency": "haute",
        "area": {"departments": ["24", "33"], "radius_km": 80},
        "valid_until": "2031-12-31",
    }
    dashboard = await read(await client.get(response.headers["Location"]))
    assert "« 500 visières de protection » publié" in dashboard


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_date", "2031-02-30", "n'est pas une date qui existe"),
        ("due_date", "bientôt", "date"),
        ("quantity", "beaucoup", "doit être un nombre entier"),
        ("quantity", "0", "supérieur ou égal à 1"),
        ("area.radius_km", "-5", "supérieur ou égal à 1"),
    ],
)
async def test_a_wrong_date_or_quantity_publishes_nothing(
    client: TestClient, node: Node, admin: str, field: str, value: str, message: str
) -> None:
    before = seq(node)
    data = {"csrf": admin, **NEED, field: value}
    response = await client.post("/admin/besoins/ajouter", data=data, allow_redirects=False)
    assert response.status == 400
    page = await response.text()
    assert any(message in problem for problem in problems(page)), problems(page)
    assert f'href="#f-{field.replace(".", "-")}"' in page  # the summary links to the field
    assert seq(node) == before


async def test_an_offer_answers_calls_for_mobilisation(
    client: TestClient, node: Node, admin: str
) -> None:
    offer = {"csrf": admin, "title": "Visières PETG", "category": "production.petite-serie"}
    yes = {**offer, "mobilisable": "1", "mobilisable.capacity_per_week": "300"}
    yes["mobilisable.unit"] = "pièces"
    response = await client.post("/admin/offres/ajouter", data=yes, allow_redirects=False)
    assert response.status == 303, problems(await response.text())
    record = node.store.record(node.key.did, "offer", "visieres-petg")
    assert record.body["mobilisable"] == {"capacity_per_week": 300, "unit": "pièces"}
    item = f"/lieux/{node.key.did}/offer/visieres-petg"
    said = "Répond aux appels à mobilisation : jusqu'à 300 pièces par semaine"
    assert said in await read(await client.get(item))
    edit = "/admin/offres/visieres-petg/modifier"
    page = await client.get(edit)
    assert 'name="mobilisable" value="1" checked' in await page.text()
    # ticked without a figure: a yes all the same
    response = await client.post(edit, data={**offer, "mobilisable": "1"}, allow_redirects=False)
    assert response.status == 303
    assert node.store.record(node.key.did, "offer", "visieres-petg").body["mobilisable"] == {}
    # a capacity without the box ticked: said, nothing written
    before = seq(node)
    response = await client.post(
        edit, data={**offer, "mobilisable.capacity_per_week": "20"}, allow_redirects=False
    )
    assert response.status == 400 and seq(node) == before
    assert any("cochez cette case" in p for p in problems(await response.text()))
    # unticked: no longer mobilisable
    response = await client.post(edit, data=offer, allow_redirects=False)
    assert response.status == 303
    assert "mobilisable" not in node.store.record(node.key.did, "offer", "visieres-petg").body
    assert "Répond aux appels" not in await read(await client.get(item))


async def test_the_dashboard_hides_the_expired_unless_asked(
    client: TestClient, node: Node, admin: str
) -> None:
    base = {"category": "production.petite-serie"}
    node.store.append_own(node.key, col="need", rid="past", body={**base, "title": "Passé",
                          "due_date": "2001-01-01"})  # fmt: skip
    node.store.append_own(node.key, col="offer", rid="now", body={**base, "title": "Courante"})
    page = await read(await client.get("/admin"))
    assert "Courante" in page and "Passé" not in page
    assert "1 offre ou besoin expiré est caché" in page
    shown = await read(await client.get("/admin", params={"expired": "1"}))
    assert "Passé" in shown and "expiré</span>" in shown
