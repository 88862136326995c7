"""The operator's admin pages (``/admin``): login links, sessions, CSRF, and the forms.

Every admin route is found in the app's router and must refuse a request without a valid
session, and a POST without the session's CSRF token (or sent from another site), writing
nothing. The flow in a real browser is in ``test_admin_browser.py``.
"""

from __future__ import annotations

import html
import os
import re
import sqlite3
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp.test_utils import TestClient

from node.admin import auth as admin_auth
from node.admin.auth import COOKIE, LOGIN_PATH, create_login_link
from node.appkeys import SEARCH
from node.home import Node, create_home
from node.settings import Settings
from node.store.admin_sessions import AdminSessions as AdminAuth
from search.model import parse_params
from tests.support.cli import run
from tests.support.http_servers import serve
from tests.support.polling import until

OTHER_SITE = "https://malveillant.example"


async def read(response) -> str:
    """The text of a page as a person reads it (entities decoded)."""
    return html.unescape(await response.text())


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["jeton"][0]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


async def log_in(client: TestClient, settings: Settings) -> str:
    """Log ``client`` in through a fresh link; the CSRF token of its session."""
    token = token_of(create_login_link(settings))
    page = await client.get(LOGIN_PATH, params={"jeton": token})
    assert page.status == 200 and "Se connecter" in await page.text()
    response = await client.post(LOGIN_PATH, data={"jeton": token}, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/admin"
    dashboard = await client.get("/admin")
    assert dashboard.status == 200
    return csrf_of(await dashboard.text())


def seq(node: Node) -> int:
    feed = node.store.feed(node.key.did)
    return feed.seq if feed else 0


def problems(page: str) -> list[str]:
    return [html.unescape(p) for p in re.findall(r'class="field-error"[^>]*>([^<]*)<', page)]


# -- access ---------------------------------------------------------------------------------


async def test_login_link_opens_a_session_once(client: TestClient, node: Node) -> None:
    link = create_login_link(node.settings, minutes=5)
    assert link.startswith("http://127.0.0.1:8080/admin/connexion?jeton=")
    token = token_of(link)
    stored = (node.settings.home / admin_auth.ADMIN_FILE).read_bytes()
    assert token.encode() not in stored  # only its hash
    mode = stat.S_IMODE(os.stat(node.settings.home / admin_auth.ADMIN_FILE).st_mode)
    assert mode == 0o600
    # Opening the link does not use it up (a mail client's preview must not): the button does.
    for _ in range(2):
        page = await client.get(LOGIN_PATH, params={"jeton": token})
        assert page.status == 200
    response = await client.post(LOGIN_PATH, data={"jeton": token}, allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=43200"):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert (await client.get("/admin")).status == 200
    # Used once: neither the page nor the button accept it again.
    again = await client.get(LOGIN_PATH, params={"jeton": token})
    assert again.status == 403 and "n'est plus valable" in await read(again)
    async with aiohttp.ClientSession() as fresh:
        url = client.make_url(LOGIN_PATH)
        reused = await fresh.post(url, data={"jeton": token}, allow_redirects=False)
        assert reused.status == 403 and "Set-Cookie" not in reused.headers
        assert (await fresh.get(client.make_url("/admin"))).status == 403


async def test_bad_tokens_and_the_login_help(client: TestClient) -> None:
    for token in ("", "x", "A" * 43, "<script>"):
        response = await client.post(LOGIN_PATH, data={"jeton": token}, allow_redirects=False)
        assert response.status == 403 and "Set-Cookie" not in response.headers
    help_page = await client.get(LOGIN_PATH)
    assert help_page.status == 200
    assert "maillage admin-link --home" in await help_page.text()


async def test_tokens_and_sessions_expire(tmp_path: Path) -> None:
    now = [1_000_000.0]
    auth = AdminAuth(tmp_path, session_seconds=3600, clock=lambda: now[0])
    late = auth.issue_token(minutes=15)
    now[0] += 15 * 60 + 1
    assert not auth.token_valid(late) and auth.consume_token(late) is None
    session = auth.consume_token(auth.issue_token(minutes=15))
    assert session is not None and auth.session_valid(session)
    now[0] += 3599
    assert auth.session_valid(session)
    now[0] += 2
    assert not auth.session_valid(session)
    other = auth.consume_token(auth.issue_token())
    auth.end_session(other)
    assert not auth.session_valid(other)


async def test_every_admin_route_refuses_without_session_and_csrf(
    client: TestClient, node: Node, admin: str
) -> None:
    followed = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    node.store.append_own(
        node.key, col="offer", rid="laser", body={"title": "Laser", "category": "production.x"}
    )
    node.store.append_own(node.key, col="follow", rid=followed, body={"url": "http://127.0.0.1:9"})
    before = seq(node)
    params = {"kind": "offres", "rid": "laser"}
    # What a form would post: if a check were missing, these would write something.
    data = {
        "title": "Pirate",
        "name": "Pirate",
        "category": "production.prototypage",
        "url": "http://127.0.0.1:9",
        "did": followed,
    }
    routes = []
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method in ("GET", "POST") and (path == "/admin" or path.startswith("/admin/")):
            routes.append((route.method, path.format(**params)))
    assert len(routes) >= 14, routes
    assert ("POST", "/admin/offres/laser/retirer") in routes
    assert ("POST", "/admin/pairs/ne-plus-suivre") in routes
    anonymous = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    try:
        for method, path in routes:
            if path == LOGIN_PATH:  # the way in: it asks for a valid token instead
                continue
            for cookie in ({}, {"Cookie": f"{COOKIE}={'A' * 43}"}, {"Cookie": f"{COOKIE}=x"}):
                response = await anonymous.request(
                    method,
                    client.make_url(path),
                    data={**data, "csrf": admin},
                    headers=cookie,
                    allow_redirects=False,
                )
                assert response.status == 403, (method, path, cookie)
                assert "maillage admin-link" in await response.text()
            if method != "POST":
                continue
            for extra, headers in (
                ({}, {}),
                ({"csrf": ""}, {}),
                ({"csrf": admin[:-1] + ("0" if admin[-1] != "0" else "1")}, {}),
                ({"csrf": admin}, {"Origin": OTHER_SITE}),
                ({"csrf": admin}, {"Origin": "null"}),
                ({"csrf": admin}, {"Referer": OTHER_SITE + "/admin"}),
            ):
                response = await client.post(
                    path, data={**data, **extra}, headers=headers, allow_redirects=False
                )
                assert response.status == 403, (path, extra, headers)
                assert "rien n'a été enregistré" in await read(response)
    finally:
        await anonymous.close()
    assert seq(node) == before  # nothing written
    assert (await client.get("/admin")).status == 200  # and the session still works


async def test_admin_answers_are_private(client: TestClient, admin: str) -> None:
    for path in ("/admin", "/admin/profil", LOGIN_PATH, "/admin/offres/ajouter"):
        response = await client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"
    public = await client.get("/")
    assert public.headers["Access-Control-Allow-Origin"] == "*"


async def test_secure_cookie_when_the_node_is_https(node: Node) -> None:
    from aiohttp import web

    settings = Settings.load(node.settings.home, public_url="https://lieu.example.fr/")
    response = web.Response()
    admin_auth.set_session_cookie(response, "A" * 43, settings)
    cookie = response.cookies[COOKIE]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
    assert create_login_link(settings).startswith("https://lieu.example.fr/admin/connexion?")


async def test_logout_and_sessions_survive_a_restart(client: TestClient, node: Node) -> None:
    csrf = await log_in(client, node.settings)
    cookies = {COOKIE: client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[COOKIE]}
    await client.server.close()
    restarted = await serve(node.settings)
    try:
        restarted.session.cookie_jar.update_cookies(
            {COOKIE: cookies[COOKIE].value}, restarted.make_url("/admin")
        )
        assert (await restarted.get("/admin")).status == 200
        out = await restarted.post("/admin/deconnexion", data={"csrf": csrf}, allow_redirects=False)
        assert out.status == 303 and out.headers["Location"].startswith(LOGIN_PATH)
        bye = await restarted.get(out.headers["Location"])
        assert "déconnecté" in await bye.text()
        restarted.session.cookie_jar.update_cookies(
            {COOKIE: cookies[COOKIE].value}, restarted.make_url("/admin")
        )
        assert (await restarted.get("/admin")).status == 403  # the session is gone
    finally:
        await restarted.close()


# -- offers and needs -----------------------------------------------------------------------


async def test_add_an_offer_and_find_it(client: TestClient, node: Node, admin: str) -> None:
    form = await client.get("/admin/offres/ajouter")
    html = await form.text()
    assert 'for="f-title"' in html and "Petite série sur mesure" in html
    assert "Transition écologique" in html and "Prix libre" in html
    data = [
        ("csrf", admin),
        ("title", "Découpe laser sur contreplaqué"),
        ("category", "production.prototypage"),
        ("description", "Découpe et gravure\r\njusqu'à 60 × 40 cm."),
        ("tags", "laser, bois,  gravure, laser"),
        ("enjeux", "transition-ecologique"),
        ("enjeux", "emploi-insertion"),
        ("valid_until", "2031-06-30"),
        ("conditions.pricing", "tarif"),
        ("conditions.price", "25,50"),
        ("conditions.unit", "heure"),
        ("conditions.limits.lead_time_days", "10"),
        ("conditions.people_available.hours_per_month", "12,5"),
        ("conditions.audiences", "entreprises"),
        ("area.departments", "24, 33, 2a"),
        ("area.radius_km", "50"),
    ]
    response = await client.post("/admin/offres/ajouter", data=data, allow_redirects=False)
    assert response.status == 303, problems(await response.text())
    record = node.store.record(node.key.did, "offer", "decoupe-laser-sur-contreplaque")
    assert record.body == {
        "title": "Découpe laser sur contreplaqué",
        "category": "production.prototypage",
        "description": "Découpe et gravure\njusqu'à 60 × 40 cm.",
        "tags": ["laser", "bois", "gravure"],
        "enjeux": ["transition-ecologique", "emploi-insertion"],
        "valid_until": "2031-06-30",
        "conditions": {
            "pricing": "tarif",
            "price": "25.50",
            "unit": "heure",
            "limits": {"lead_time_days": 10},
            "people_available": {"hours_per_month": "12.5"},
            "audiences": ["entreprises"],
        },
        "area": {"departments": ["24", "33", "2A"], "radius_km": 50},
    }
    dashboard = await (await client.get(response.headers["Location"])).text()
    assert "Offre « Découpe laser sur contreplaqué » publiée" in dashboard
    assert "/admin/offres/decoupe-laser-sur-contreplaque/modifier" in dashboard
    # The writer told the search index at once.
    index = client.app[SEARCH]
    found = await until(
        lambda: index.search(parse_params({"q": "contreplaqué"})).total, what="offer indexed"
    )
    assert found == 1
    # A second one with the same title gets a rid of its own.
    response = await client.post("/admin/offres/ajouter", data=data, allow_redirects=False)
    assert response.status == 303
    assert node.store.record(node.key.did, "offer", "decoupe-laser-sur-contreplaque-2")


async def test_mistakes_are_explained_and_nothing_is_lost(
    client: TestClient, node: Node, admin: str
) -> None:
    before = seq(node)
    data = {
        "csrf": admin,
        "title": "  ",
        "description": "Une description <b>longue</b> à ne pas perdre",
        "conditions.price": "vingt euros",
        "conditions.limits.min_quantity": "50",
        "conditions.limits.max_quantity": "10",
        "valid_until": "2031-02-30",
        "quantity": "3,5",
        "enjeux": "resilience-crise",
        "area.departments": "24, 99",
    }
    response = await client.post("/admin/besoins/ajouter", data=data, allow_redirects=False)
    assert response.status == 400
    html = await response.text()
    found = problems(html)
    assert "à remplir" in found  # title
    assert "à choisir dans la liste" in found  # category
    assert "doit être un nombre, par exemple 25,50" in found
    assert "doit être un nombre entier, sans virgule, par exemple 3" in found
    assert any("quantité maximale" in p for p in found)
    assert any("date qui existe" in p for p in found)
    assert any("département" in p for p in found)
    assert 'aria-invalid="true"' in html and 'href="#f-conditions-price"' in html
    # Everything typed is still there (escaped), checked boxes too.
    assert "Une description &lt;b&gt;longue&lt;/b&gt; à ne pas perdre" in html
    assert 'value="vingt euros"' in html and 'value="2031-02-30"' in html
    assert re.search(r'value="resilience-crise" checked', html)
    assert seq(node) == before


async def test_edit_keeps_the_rid_and_what_the_form_does_not_show(
    client: TestClient, node: Node, admin: str
) -> None:
    body = {
        "title": "Couture",
        "category": "production.couture-avancee",  # a code from a newer version
        "enjeux": ["culture", "enjeu-futur"],
        "future_member": {"kept": True},
        "conditions": {"pricing": "devis", "future_condition": "x"},
    }
    node.store.append_own(node.key, col="offer", rid="couture", body=body)
    form = await client.get("/admin/offres/couture/modifier")
    html = await form.text()
    assert 'value="Couture"' in html
    assert '<option value="production.couture-avancee" selected>' in html
    assert re.search(r'value="enjeu-futur" checked', html)
    unchanged = await client.post(
        "/admin/offres/couture/modifier",
        data=[
            ("csrf", admin),
            ("title", "Couture"),
            ("category", "production.couture-avancee"),
            ("enjeux", "culture"),
            ("enjeux", "enjeu-futur"),
            ("conditions.pricing", "devis"),
        ],
        allow_redirects=False,
    )
    assert unchanged.status == 303 and seq(node) == 1
    assert "inchangée" in await (await client.get("/admin")).text()
    data = [
        ("csrf", admin),
        ("title", "Couture en petite série"),
        ("category", "production.textile"),
        ("conditions.pricing", "devis"),
    ]
    response = await client.post("/admin/offres/couture/modifier", data=data, allow_redirects=False)
    assert response.status == 303
    record = node.store.record(node.key.did, "offer", "couture")
    assert record.seq == 2
    assert record.body == {
        "title": "Couture en petite série",
        "category": "production.textile",
        "future_member": {"kept": True},
        "conditions": {"pricing": "devis", "future_condition": "x"},
    }
    assert (await client.get("/admin/offres/inconnue/modifier")).status == 404
    assert (await client.get("/admin/besoins/couture/modifier")).status == 404


async def test_remove_asks_first(client: TestClient, node: Node, admin: str) -> None:
    node.store.append_own(
        node.key, col="need", rid="fil", body={"title": "Fil", "category": "production.textile"}
    )
    confirm = await client.get("/admin/besoins/fil/retirer")
    html = await confirm.text()
    assert confirm.status == 200 and "Retirer ce besoin ?" in html and "« Fil »" in html
    assert seq(node) == 1
    response = await client.post(
        "/admin/besoins/fil/retirer", data={"csrf": admin}, allow_redirects=False
    )
    assert response.status == 303
    assert node.store.record(node.key.did, "need", "fil") is None
    assert "Besoin « Fil » retiré" in await (await client.get("/admin")).text()
    assert (await client.get("/admin/besoins/fil/retirer")).status == 404


# -- profile ---------------------------------------------------------------------------------


async def test_profile_form(client: TestClient, node: Node, admin: str) -> None:
    first = await (await client.get("/admin/profil")).text()
    assert f'value="{node.settings.name}"' in first  # a first profile starts from the name
    assert first.count('name="equipment[') == 3 * 4  # three empty rows
    data = [
        ("csrf", admin),
        ("name", "Fablab de Périgueux"),
        ("summary", "Atelier ouvert à tous."),
        ("families", "fablab"),
        ("families", "repair-cafe"),
        ("status", "actif"),
        ("access", "public"),
        ("address.postcode", "24000"),
        ("address.city", "Périgueux"),
        ("department", "24"),
        ("geo.lat", "45,1846"),
        ("geo.lon", "0.7214"),
        ("website", "fablab-perigueux.example.fr"),
        ("contact.email", "contact@fablab.example.fr"),
        ("node_urls", "https://noeud.example.fr\r\n\r\n"),
        ("equipment_rows", "3"),
        ("equipment[0].type", ""),
        ("equipment[1].type", "Découpeuse laser"),
        ("equipment[1].make", "Trotec"),
        ("equipment[1].quantity", "2"),
    ]
    response = await client.post("/admin/profil", data=data, allow_redirects=False)
    assert response.status == 303, problems(await response.text())
    body = node.store.record(node.key.did, "profile", "profile").body
    assert body == {
        "name": "Fablab de Périgueux",
        "summary": "Atelier ouvert à tous.",
        "families": ["fablab", "repair-cafe"],
        "status": "actif",
        "access": "public",
        "address": {"postcode": "24000", "city": "Périgueux"},
        "department": "24",
        "geo": {"lat": "45.1846", "lon": "0.7214"},
        "website": "https://fablab-perigueux.example.fr",
        "contact": {"email": "contact@fablab.example.fr"},
        "node_urls": ["https://noeud.example.fr"],
        "equipment": [{"type": "Découpeuse laser", "make": "Trotec", "quantity": 2}],
    }
    again = await (await client.get("/admin/profil")).text()
    assert 'value="Découpeuse laser"' in again and again.count('name="equipment[') == 4 * 4
    bad = [
        ("csrf", admin),
        ("name", "Fablab"),
        ("address.postcode", "240"),
        ("geo.lat", "45.18"),
        ("equipment_rows", "2"),
        ("equipment[1].make", "Trotec"),
        ("equipment[1].quantity", "deux"),
    ]
    response = await client.post("/admin/profil", data=bad, allow_redirects=False)
    assert response.status == 400
    html = await response.text()
    found = problems(html)
    assert any("code postal" in p for p in found)
    assert "à remplir" in found  # geo.lon, and the type of equipment n° 2
    assert 'id="f-equipment-1--type-erreur"' in html
    assert 'id="f-equipment-1--quantity-erreur"' in html
    assert node.store.record(node.key.did, "profile", "profile").seq == 1


# -- peers -----------------------------------------------------------------------------------


async def test_follow_see_status_and_unfollow(
    client: TestClient, node: Node, admin: str, tmp_path: Path
) -> None:
    with create_home(tmp_path / "voisin", name="Atelier voisin") as other:
        other.store.append_own(other.key, col="profile", rid="profile", body={"name": "Voisin"})
        other.store.append_own(
            other.key, col="offer", rid="four", body={"title": "Four", "category": "accueil.salle"}
        )
        neighbour = await serve(other.settings)
        try:
            url = str(neighbour.make_url("")).rstrip("/")
            empty = await (await client.get("/admin/pairs")).text()
            assert "ne suit encore personne" in empty
            for bad, message in (
                ("fablab voisin", "commençant par http"),
                ("http://127.0.0.1:9", "impossible de joindre"),
                (str(client.make_url("")), "lui-même"),
            ):
                response = await client.post(
                    "/admin/pairs/suivre", data={"csrf": admin, "url": bad}, allow_redirects=False
                )
                assert response.status == 400
                assert message in (await response.text()), bad
            assert seq(node) == 0
            response = await client.post(
                "/admin/pairs/suivre", data={"csrf": admin, "url": url}, allow_redirects=False
            )
            assert response.status == 303
            follow = node.store.record(node.key.did, "follow", other.key.did)
            assert follow.body == {"url": url, "name": "Atelier voisin"}
            page = await (await client.get("/admin/pairs")).text()
            assert "Vous suivez maintenant « Atelier voisin »" in page

            async def copied() -> str | None:
                html = await (await client.get("/admin/pairs")).text()
                return html if "À jour" in html else None

            page = await until(copied, what="the replication round started by the follow")
            assert url in page and other.key.did in page and "<dd>2</dd>" in page
            assert "<strong>Voisin</strong>" in page  # its profile, copied
            unfollow = f"/admin/pairs/ne-plus-suivre?did={other.key.did}"
            assert (
                f'href="/admin/pairs/ne-plus-suivre?did={other.key.did.replace(":", "%3A")}"'
                in page
            )
            confirm = await client.get(unfollow)
            assert "Ne plus suivre ce lieu ?" in await confirm.text()
            response = await client.post(
                "/admin/pairs/ne-plus-suivre",
                data={"csrf": admin, "did": other.key.did},
                allow_redirects=False,
            )
            assert response.status == 303
            assert node.store.record(node.key.did, "follow", other.key.did) is None
            page = await (await client.get("/admin/pairs")).text()
            assert "Vous ne suivez plus « Voisin »" in page and "Plus suivi" in page
        finally:
            await neighbour.close()


# -- the command -----------------------------------------------------------------------------


async def test_admin_link_command(tmp_path: Path, capsys, client: TestClient, node: Node) -> None:
    home = node.settings.home
    status, out, _ = run(capsys, "admin-link", "--home", home, "--valid-minutes", "30")
    assert status == 0
    assert "une seule fois, valable 30 minutes" in out
    link = next(word for word in out.split() if word.startswith("http"))
    assert link.startswith("http://127.0.0.1:8080/admin/connexion?jeton=")
    # The server (another process in real life) accepts what the command stored.
    response = await client.post(LOGIN_PATH, data={"jeton": token_of(link)}, allow_redirects=False)
    assert response.status == 303
    status, _, err = run(capsys, "admin-link", "--home", home, "--valid-minutes", "0")
    assert status == 2 and "--valid-minutes" in err
    status, _, err = run(capsys, "admin-link", "--home", tmp_path / "nulle-part")
    assert status == 2 and "maillage init" in err
    with sqlite3.connect(home / admin_auth.ADMIN_FILE) as conn:
        rows = conn.execute("SELECT hash FROM login_tokens").fetchall()
    assert all(len(row[0]) == 64 for row in rows)


async def test_origin_check(node: Node) -> None:
    from aiohttp.test_utils import make_mocked_request

    public = Settings.load(node.settings.home, public_url="https://lieu.example.fr/")

    def allowed(settings: Settings, **headers: str) -> bool:
        request = make_mocked_request(
            "POST", "/admin/profil", headers={"Host": "noeud:8080", **headers}
        )
        return admin_auth.same_origin(request, settings)

    assert allowed(node.settings)  # no Origin, no Referer: the CSRF token decides
    assert allowed(node.settings, Origin="http://noeud:8080")
    assert allowed(node.settings, Referer="http://noeud:8080/admin/profil")
    assert not allowed(node.settings, Origin="https://lieu.example.fr")
    assert allowed(public, Origin="https://lieu.example.fr")  # behind a reverse proxy
    assert not allowed(public, Origin="https://lieu.example.fr.malveillant.example")
    assert not allowed(public, Origin="null")


async def test_a_new_login_ends_the_old_session(client: TestClient, node: Node) -> None:
    await log_in(client, node.settings)
    old = client.session.cookie_jar.filter_cookies(client.make_url("/admin"))[COOKIE].value
    await log_in(client, node.settings)
    assert not AdminAuth(node.settings.home, 3600).session_valid(old)


async def test_unusable_sessions_file_gives_a_french_page(client: TestClient, node: Node) -> None:
    path = node.settings.home / admin_auth.ADMIN_FILE
    path.unlink(missing_ok=True)
    path.mkdir()  # SQLite cannot open a directory
    client.session.cookie_jar.update_cookies({COOKIE: "A" * 43}, client.make_url("/admin"))
    for response in (
        await client.get("/admin"),
        await client.get(LOGIN_PATH, params={"jeton": "A" * 43}),
        await client.post(LOGIN_PATH, data={"jeton": "A" * 43}),
    ):
        assert response.status == 503
        assert "même utilisateur que le nœud" in await read(response)


async def test_a_key_rotated_beside_the_serving_node_signs_its_next_publication(
    client: TestClient, node: Node, admin: str, capsys
) -> None:
    """``maillage key rotate`` run while the node serves: no restart, the new key signs."""
    from protocol.keys import load_key

    home = node.settings.home
    status, out, _ = run(capsys, "key", "rotate", "--home", home)
    assert status == 0
    rotation = int(out)
    new = load_key(home / "key.pem")
    data = {"csrf": admin, "title": "Nouvelle", "category": "production.prototypage"}
    response = await client.post("/admin/offres/ajouter", data=data, allow_redirects=False)
    assert response.status == 303
    assert seq(node) == rotation + 1
    assert node.store.key_state(node.key.did).current == new.key_did
    assert node.store.line(node.key.did, rotation + 1) is not None


async def test_a_forked_feed_is_not_written(client: TestClient, node: Node, admin: str) -> None:
    from protocol.signing import sign_entry

    first = node.store.append_own(
        node.key, col="offer", rid="a", body={"title": "A", "category": "x"}
    )
    twin = sign_entry(
        node.key, seq=1, prev=None, col="offer", rid="b", op="put", body={"title": "B"}
    )  # the same key used on another machine
    assert node.store.append([twin]).forks
    data = {"csrf": admin, "title": "Nouvelle", "category": "production.prototypage"}
    response = await client.post("/admin/offres/ajouter", data=data, allow_redirects=False)
    assert response.status == 400
    assert "le journal de ce lieu est bloqué" in await read(response)
    assert seq(node) == first.seq
