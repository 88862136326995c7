"""Claims (issue 6): a place's own profile supersedes the listing another node made of it.

The keys (``website_key``, ``name_key``), the rule (``find_claims``, checked against a
reference written here), one node's index (search hides claimed listings, ``claimants``),
the pages (« Revendiqué » / « Non revendiqué »), the 2019 census, and three real nodes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.appkeys import WRITER
from node.home import Node
from node.io.csv_import import import_file
from node.io.csv_mapping import CGET_2019, row_to_listing
from node.store.database import Store
from protocol.keys import SigningKey
from search.claims import Place, find_claims, name_key, website_key
from search.index import SearchIndex
from search.model import SearchResult, parse_params
from tests.conftest import shared_path
from tests.support.http_servers import serve
from tests.support.live_nodes import LiveNode, cli
from tests.support.polling import until
from tests.support.samples import key
from tests.support.search_corpus import haversine

# -- website_key -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.lafabrique.fr/", "lafabrique.fr"),
        ("lafabrique.fr", "lafabrique.fr"),  # no scheme
        ("www.lafabrique.fr/contact", "lafabrique.fr"),
        ("HTTP://WWW.LaFabrique.FR/Accueil", "lafabrique.fr"),
        ("http://m.lafabrique.fr", "lafabrique.fr"),
        ("https://lafabrique.fr./", "lafabrique.fr"),  # trailing dot of a full name
        ("https://www.lafabrique.fr:8443/x", "lafabrique.fr"),
        ("lafabrique.fr:8080", "lafabrique.fr"),
        ("lafabrique.fr:port", "lafabrique.fr"),  # a bad port is not read
        ("http://user:secret@lafabrique.fr/", "lafabrique.fr"),
        ("  https://lafabrique.fr  ", "lafabrique.fr"),
        ("https://atelier.lafabrique.fr", "atelier.lafabrique.fr"),
        # shared hosts: the page is the site
        ("https://www.facebook.com/LaFabrique/", "facebook.com/lafabrique"),
        ("https://facebook.com/LaFabrique?fref=ts", "facebook.com/lafabrique"),
        ("https://fr-fr.facebook.com/LaFabrique", "facebook.com/lafabrique"),
        ("https://m.facebook.com/LaFabrique#infos", "facebook.com/lafabrique"),
        ("https://web.facebook.com/LaFabrique", "facebook.com/lafabrique"),
        ("https://www.facebook.com/pg/LaFabrique/about/", "facebook.com/lafabrique"),
        ("https://www.facebook.com/pages/La-Fabrique/1621083588168107", ""),
        ("https://www.facebook.com/groups/123456/", ""),
        ("https://www.facebook.com/profile.php?id=100012", ""),
        ("https://www.facebook.com/", ""),
        ("https://www.instagram.com/lafabrique/", "instagram.com/lafabrique"),
        ("https://www.instagram.com/p/CxYz/", ""),  # a post, not a page
        ("https://sites.google.com/site/epn-selune/", "sites.google.com/site/epn-selune"),
        ("https://sites.google.com/view/fablab-sens", "sites.google.com/view/fablab-sens"),
        ("https://sites.google.com/site/", ""),
        ("https://fr.linkedin.com/company/la-fabrique/", "linkedin.com/company/la-fabrique"),
        ("https://www.helloasso.com/associations/lab", "helloasso.com/associations/lab"),
        ("https://www.youtube.com/watch?v=abc", ""),
        ("https://www.google.com/maps/place/La+Fabrique/@45.18,0.72", ""),
        ("https://maps.google.com/?q=La+Fabrique", ""),
        # a sub-domain of a hosting service is a site of its own
        ("https://lafabrique.wixsite.com/accueil", "lafabrique.wixsite.com"),
        ("http://lafabrique.wix.com/accueil", "lafabrique.wix.com"),
        ("http://quai13.blogspot.fr/", "quai13.blogspot.fr"),
        ("https://lafabrique.business.site/", "lafabrique.business.site"),
        # shorteners name nobody
        ("https://goo.gl/ZwSWdU", ""),
        ("http://bit.ly/1kayYRL", ""),
        ("urlz.fr/abc", ""),
        # nothing usable
        ("", ""),
        ("   ", ""),
        ("en cours", ""),
        ("localhost", ""),
        ("http://[::1", ""),
        ("https://", ""),
        (None, ""),
        (42, ""),
        (["lafabrique.fr"], ""),
        ({"url": "lafabrique.fr"}, ""),
    ],
)
def test_website_key(url: Any, expected: str):
    assert website_key(url) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://x.wixsite.com/lab", "https://y.wixsite.com/lab"),
        ("https://www.facebook.com/LaFabrique", "https://www.facebook.com/LeHangar"),
        ("https://www.facebook.com/pg/Ecologikart", "https://www.facebook.com/pg/FablabSens"),
        ("https://sites.google.com/site/a", "https://sites.google.com/site/b"),
        ("https://fr.linkedin.com/company/a", "https://fr.linkedin.com/company/b"),
        ("https://www.pagesjaunes.fr/pros/123", "https://www.pagesjaunes.fr/pros/456"),
        ("https://lafabrique.fr", "https://lafabrique.com"),
    ],
)
def test_different_sites_never_share_a_key(a: str, b: str):
    assert website_key(a) and website_key(b) and website_key(a) != website_key(b)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_website_key_never_raises_on_any_text(text: str):
    for url in (text, "http://" + text, "https://www." + text, "facebook.com/" + text):
        found = website_key(url)  # a tab would break the claim column (search.claims)
        assert isinstance(found, str) and "\t" not in found and "\n" not in found


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(
        r"\A(https?://)?(www\.|m\.)?[^/\s]{0,20}(:[^/]{0,6})?(/[^?#]{0,20})?([?#].{0,10})?\Z"
    )
)
def test_website_key_never_raises_on_url_like_text(text: str):
    assert isinstance(website_key(text), str)


def test_idn_hosts_are_keys_and_do_not_raise():
    assert website_key("https://www.café-fabrique.fr/") == "café-fabrique.fr"
    assert website_key("xn--caf-fabrique-bkb.fr") == "xn--caf-fabrique-bkb.fr"
    for hostile in ("http://ex\u2100ample.fr", "http://a\uff0fb.fr", "http://\udcff.fr", "\x00"):
        assert isinstance(website_key(hostile), str)


# -- name_key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("La Fabrique du Périgord", "la fabrique du perigord"),
        ("L'Atelier", "L’ATELIER"),
        ("Café-Atelier !", "cafe atelier"),
        ("  Le   Hangar\t", "le hangar"),
        ("L'Œuvre Commune", "l oeuvre commune"),
        ("Cœur de Ville", "COEUR DE VILLE"),
        ("Straße", "STRASSE"),
        ("Ærø Lab", "aero lab"),
        ("ﬁlature", "filature"),  # a typographic ligature
        ("Ça Marche", "ca marche"),
        ("ＬＡ ＦＡＢＲＩＱＵＥ", "la fabrique"),  # full-width letters
        ("ℌangar", "hangar"),  # a letter-like symbol
    ],
)
def test_name_key_folds_accents_case_and_punctuation(a: str, b: str):
    assert name_key(a) == name_key(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [("L'Œuvre", "L'Uvre"), ("Cœur", "Cur"), ("La Fabrique", "La Fabrik"), ("Lab 1", "Lab 2")],
)
def test_name_key_keeps_different_names_apart(a: str, b: str):
    assert name_key(a) != name_key(b)


@pytest.mark.parametrize("name", [None, 12, ["x"], "", "  ", "!!!", "—"])
def test_name_key_of_nothing_is_empty(name: Any):
    assert name_key(name) == ""


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_name_key_is_plain_and_stable(text: str):
    folded = name_key(text)
    assert re.fullmatch(r"([0-9a-z]+( [0-9a-z]+)*)?", folded)
    assert name_key(folded) == folded


# -- find_claims -------------------------------------------------------------------------

P, R = "did:key:zProfile", "did:key:zRecenseur"
HERE = (45.1846, 0.7214)  # Périgueux
PARIS = (48.8566, 2.3522)
METRES_PER_DEGREE = 111_195.08  # along a meridian


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / METRES_PER_DEGREE, point[1]


def place(doc: int, website: str = "", name: str = "", point=None, author: str = P) -> Place:
    return Place(doc, website_key(website), name_key(name), author, point)


def listing(doc: int, website: str = "", name: str = "", point=None) -> Place:
    return place(doc, website, name, point, author=R)


def claims(profiles: list[Place], listings: list[Place]) -> dict[int, int]:
    return {doc: profile.doc for doc, profile in find_claims(profiles, listings).items()}


def test_the_test_distances_are_what_they_say():
    for metres in (150, 199, 201, 300):
        assert haversine(*HERE, *north(HERE, metres)) * 1000 == pytest.approx(metres, abs=0.5)


def test_the_same_website_alone_claims_even_far_away_and_under_another_name():
    profiles = [place(1, "https://www.lafabrique.fr", "Fabrique numérique", PARIS)]
    listings = [listing(10, "http://lafabrique.fr/", "La Fabrique du Périgord", HERE)]
    assert claims(profiles, listings) == {10: 1}
    assert claims(profiles, [listing(10, "lafabrique.fr", "x")]) == {10: 1}  # no coordinates


def test_a_chain_sharing_a_website_needs_the_same_name_or_200_m():
    perrache = listing(10, "la-cordee.net", "La Cordée Perrache", (45.7490, 4.8270))
    liberte = listing(11, "https://www.la-cordee.net", "La Cordée Liberté", (45.7560, 4.8450))
    annecy = listing(12, "la-cordee.net/annecy", "La Cordée Annecy", (45.8992, 6.1294))
    chain = [perrache, liberte, annecy]
    by_name = place(1, "https://la-cordee.net/", "La Cordée — Liberté")  # no coordinates
    assert claims([by_name], chain) == {11: 1}
    nearby = place(2, "https://la-cordee.net/", "Coworking La Cordée", north(perrache.point, 100))
    assert claims([nearby], chain) == {10: 2}
    neither = place(3, "https://la-cordee.net/", "La Cordée", PARIS)
    assert claims([neither], chain) == {}
    assert claims([by_name, nearby, neither], chain) == {10: 2, 11: 1}


def test_two_importers_listing_the_same_place_are_both_claimed():
    profiles = [place(1, "lafabrique.fr", "La Fabrique", HERE)]
    listings = [
        listing(10, "https://lafabrique.fr", "La Fabrique", HERE),
        place(11, "http://www.lafabrique.fr", "La Fabrique", north(HERE, 20), "did:key:zOther"),
    ]
    assert claims(profiles, listings) == {10: 1, 11: 1}


def test_the_same_name_claims_within_200_m_only():
    profiles = [place(1, "", "La Fabrique du Périgord", HERE)]
    assert claims(profiles, [listing(10, "", "LA FABRIQUE DU PERIGORD", north(HERE, 150))]) == {
        10: 1
    }
    assert claims(profiles, [listing(10, "", "La Fabrique du Périgord", north(HERE, 300))]) == {}
    assert claims(profiles, [listing(10, "", "La Fabrique du Périgord", None)]) == {}
    assert claims([place(1, "", "La Fabrique")], [listing(10, "", "La Fabrique", HERE)]) == {}


def test_different_names_at_the_same_place_are_not_claimed():
    profiles = [place(1, "lefablab.fr", "Le Fablab", HERE)]
    listings = [listing(10, "lecowork.fr", "Le Cowork", HERE), listing(11, "", "Repair", HERE)]
    assert claims(profiles, listings) == {}


def test_without_coordinates_only_the_website_matches():
    profiles = [place(1, "lafabrique.fr", "La Fabrique"), place(2, "", "Le Hangar")]
    listings = [listing(10, "lafabrique.fr", "Autre nom"), listing(11, "", "Le Hangar")]
    assert claims(profiles, listings) == {10: 1}


def test_shorteners_and_empty_names_never_claim():
    profiles = [place(1, "https://goo.gl/abc", "東京", HERE)]
    listings = [listing(10, "https://goo.gl/abc", "大阪", north(HERE, 5000))]
    assert claims(profiles, listings) == {}
    chain = [listing(10, "chain.fr", "東京", PARIS), listing(11, "chain.fr", "大阪", HERE)]
    assert claims([place(1, "chain.fr", "京都", north(HERE, 5000))], chain) == {}


def test_a_profile_never_claims_a_profile_nor_itself():
    profiles = [place(1, "lafabrique.fr", "La Fabrique", HERE), place(2, "lafabrique.fr")]
    assert claims(profiles, []) == {}


WEBSITES = ["", "a.fr", "b.fr", "https://goo.gl/x"]
NAMES = ["", "la fabrique", "le hangar"]
POINTS = [None, HERE, north(HERE, 150), north(HERE, 300), PARIS]


@st.composite
def places(draw, count: int, start: int, author: str) -> list[Place]:
    n = draw(st.integers(0, count))
    return [
        place(
            start + i,
            draw(st.sampled_from(WEBSITES)),
            draw(st.sampled_from(NAMES)),
            draw(st.sampled_from(POINTS)),
            author,
        )
        for i in range(n)
    ]


def reference(profiles: list[Place], listings: list[Place]) -> set[int]:
    """The rule of issue 6, written out: which listings some profile claims."""

    def near(a: Place, b: Place) -> bool:
        if a.point is None or b.point is None:
            return False
        return haversine(*a.point, *b.point) <= 0.2

    def claims_it(p: Place, listing_: Place) -> bool:
        same_name = listing_.name != "" and p.name == listing_.name
        if listing_.website and p.website == listing_.website:
            sharing = sum(other.website == listing_.website for other in listings)
            if sharing == 1 or same_name or near(p, listing_):
                return True
        return same_name and near(p, listing_)

    return {x.doc for x in listings if any(claims_it(p, x) for p in profiles)}


@settings(max_examples=300, deadline=None)
@given(places(4, 0, P), places(6, 100, R), st.randoms(use_true_random=False))
def test_find_claims_follows_the_rule_in_any_order(profiles, listings, random):
    found = find_claims(profiles, listings)
    assert set(found) == reference(profiles, listings)
    for doc, profile in found.items():
        assert profile in profiles and reference([profile], listings) >= {doc}
    random.shuffle(profiles)
    random.shuffle(listings)
    assert set(find_claims(profiles, listings)) == set(found)


# -- one node's index ----------------------------------------------------------------------

ROWS = [
    {
        "ID": "1",
        "NOM_TL": "La Fabrique du Périgord",
        "ADRESSE": "12 rue Wilson",
        "CP": "24000",
        "NOMCOM": "Périgueux",
        "INSEEDEP": "24",
        "INSEEREG": "75",
        "WEB": "www.lafabrique-perigord.fr",
        "TYPO": "Tiers lieux à dominante fablab",
        "LAT": "45.1846",
        "LONG": "0.7214",
    },
    {
        "ID": "2",
        "NOM_TL": "Le Hangar des Chartrons",
        "NOMCOM": "Bordeaux",
        "INSEEDEP": "33",
        "INSEEREG": "75",
        "WEB": "http://hangar-chartrons.fr",
        "TYPO": "Tiers lieux à dominante coworking",
        "LAT": "44.8378",
        "LONG": "-0.5792",
    },
]
RIDS = ["cget-2019-1", "cget-2019-2"]
# The place's own profile: another name, its own address, the same website.
OWN_PROFILE = {
    "name": "Fabrique Numérique du Périgord",
    "summary": "Fablab associatif : découpe laser, impression 3D.",
    "families": ["fablab"],
    "address": {"street": "12 rue Wilson", "postcode": "24000", "city": "Périgueux"},
    "department": "24",
    "region": "75",
    "geo": {"lat": "45.1850", "lon": "0.7220"},
    "website": "https://lafabrique-perigord.fr/",
}
NETWORK = {"name": "Réseau des tiers-lieux", "department": "33", "region": "75"}


def listing_bodies() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for row in ROWS:
        rid, body, note = row_to_listing(row, CGET_2019)
        assert note == ""
        out.append((rid, body))
    assert [rid for rid, _ in out] == RIDS
    return out


def find(index: SearchIndex, **query: str) -> SearchResult:
    return index.search(parse_params({"per_page": "100", **query}))


def found(result: SearchResult) -> set[tuple[str, str, str]]:
    return {(hit.author, hit.col, hit.rid) for hit in result.hits}


def counts(result: SearchResult, facet: str) -> dict[str, int]:
    return {f.code: f.count for f in result.facets[facet]}


@pytest.fixture
def held(tmp_path: Path):
    """A store with R's two listings (and R's own profile), and its index."""
    store = Store(tmp_path / "store.sqlite3")
    recenseur, owner = key("recenseur"), key("fabrique")
    store.append_own(recenseur, col="profile", rid="profile", body=NETWORK)
    for rid, body in listing_bodies():
        store.append_own(recenseur, col="listing", rid=rid, body=body)
    index = SearchIndex(tmp_path / "index", store)
    yield index, store, recenseur, owner
    index.close()
    store.close()


def publish(index: SearchIndex, store: Store, signer: SigningKey, body: dict | None) -> None:
    op = "put" if body is not None else "del"
    index.add_entries([store.append_own(signer, col="profile", rid="profile", op=op, body=body)])


def test_the_own_profile_replaces_the_listing_in_search(held):
    index, store, r, p = held
    listing_ = (r.did, "listing", RIDS[0])
    hangar = (r.did, "listing", RIDS[1])
    assert found(find(index, q="Fabrique Périgord")) == {listing_}
    before = find(index)
    assert before.total == 3 and counts(find(index, col="listing"), "department") == {
        "24": 1,
        "33": 1,
    }
    assert index.claimants(r.did) == {}

    publish(index, store, p, OWN_PROFILE)
    assert found(find(index, q="Fabrique Périgord")) == {(p.did, "profile", "profile")}
    assert found(find(index, q="Fabrique")) == {(p.did, "profile", "profile")}
    everything = find(index)
    assert everything.total == 3 and len(everything.hits) == 3  # + the profile, − the listing
    assert listing_ not in found(everything)
    listings_only = find(index, col="listing")
    assert found(listings_only) == {hangar} and listings_only.total == 1
    assert counts(listings_only, "department") == {"33": 1}
    assert counts(find(index, department="24"), "department") == {"24": 1}
    assert find(index, col="listing", department="24").total == 0
    assert find(index, near="45.1846,0.7214", radius_km="5").total == 1
    assert index.claimants(r.did) == {RIDS[0]: (p.did, OWN_PROFILE["name"])}
    assert index.claimants(p.did) == {}

    hit = find(index, q="Hangar Chartrons").hits[0]
    assert (hit.author, hit.col, hit.rid) == hangar
    assert hit.url == f"/lieux/{r.did}/listing/{RIDS[1]}"


def test_the_listing_comes_back_when_the_profile_changes_or_goes(held, tmp_path: Path):
    index, store, r, p = held
    listing_ = (r.did, "listing", RIDS[0])
    publish(index, store, p, OWN_PROFILE)
    assert listing_ not in found(find(index))

    elsewhere = {**OWN_PROFILE, "website": "https://fabrique-numerique.fr"}
    publish(index, store, p, elsewhere)  # 70 m away, another name: no longer the same place
    assert listing_ in found(find(index, q="Fabrique Périgord"))
    assert index.claimants(r.did) == {}

    same_name = {**elsewhere, "name": "La Fabrique du Perigord"}  # same name, 70 m away
    publish(index, store, p, same_name)
    assert listing_ not in found(find(index, q="Fabrique Périgord"))
    assert index.claimants(r.did) == {RIDS[0]: (p.did, "La Fabrique du Perigord")}

    publish(index, store, p, OWN_PROFILE)
    publish(index, store, p, None)  # the place deletes its profile
    assert found(find(index, q="Fabrique Périgord")) == {listing_}
    assert index.claimants(r.did) == {}
    assert find(index, col="listing").total == 2

    publish(index, store, p, OWN_PROFILE)
    index.close()
    reopened = SearchIndex(tmp_path / "index", store)  # claims are computed at start too
    try:
        assert found(find(reopened, q="Fabrique Périgord")) == {(p.did, "profile", "profile")}
        assert reopened.claimants(r.did) == {RIDS[0]: (p.did, OWN_PROFILE["name"])}
    finally:
        reopened.close()


def test_a_listing_deleted_or_changed_by_its_importer_follows(held):
    index, store, r, p = held
    publish(index, store, p, OWN_PROFILE)
    bodies = dict(listing_bodies())
    moved = {**bodies[RIDS[1]], "website": "https://lafabrique-perigord.fr"}  # now a chain
    index.add_entries([store.append_own(r, col="listing", rid=RIDS[1], body=moved)])
    # two listings share the website: the one with the profile's name or 200 m stays claimed
    assert index.claimants(r.did) == {RIDS[0]: (p.did, OWN_PROFILE["name"])}
    assert found(find(index, col="listing")) == {(r.did, "listing", RIDS[1])}
    deletion = store.append_own(r, col="listing", rid=RIDS[0], op="del")
    index.add_entries([deletion])
    # the Hangar is now alone with that website: the profile claims it
    assert index.claimants(r.did) == {RIDS[1]: (p.did, OWN_PROFILE["name"])}
    assert find(index, col="listing").total == 0


# -- pages ---------------------------------------------------------------------------------

CSV_HEADER = "ID,NOM_TL,ADRESSE,CP,NOMCOM,INSEECOM,INSEEDEP,INSEEREG,WEB,TYPO,LAT,LONG\n"
CSV_ROWS = [
    "1,La Fabrique du Périgord,12 rue Wilson,24000,Périgueux,24322,24,75,"
    "www.lafabrique-perigord.fr,Tiers lieux à dominante fablab,45.1846,0.7214",
    "2,Le Hangar des Chartrons,,33000,Bordeaux,33063,33,75,hangar-chartrons.fr,"
    "Tiers lieux à dominante coworking,44.8378,-0.5792",
    "3,Ancien Cowork,1 place,03000,Moulins,03190,03,84,,Tiers lieux à dominante coworking,"
    "46.56,3.33",
]


def write_csv(path: Path) -> Path:
    path.write_text(CSV_HEADER + "\n".join(CSV_ROWS) + "\n", encoding="utf-8")
    return path


def item_of(html: str, href: str) -> str:
    """The ``<li>`` of a page's item list that links to ``href``."""
    items = [li for li in html.split("<li>") if li.startswith(f'<a href="{href}"')]
    assert len(items) == 1, f"no single item for {href}"
    return items[0].split("</li>", 1)[0]


async def test_pages_mark_claimed_and_unclaimed_listings(node: Node, tmp_path: Path):
    owner = key("fabrique")
    node.store.append_own(node.key, col="profile", rid="profile", body=NETWORK)
    summary = import_file(node, write_csv(tmp_path / "lieux.csv"), CGET_2019)
    assert summary.created == 3
    node.store.append_own(owner, col="profile", rid="profile", body=OWN_PROFILE)
    client = await serve(node.settings)
    try:
        r = node.key.did
        claimed_url = f"/lieux/{r}/listing/cget-2019-1"
        response = await client.get(claimed_url)
        assert response.status == 200
        html = await response.text()
        assert "Revendiqué" in html and "Non revendiqué" not in html
        assert f'<a href="/lieux/{owner.did}">{OWN_PROFILE["name"]}</a>' in html

        unclaimed_url = f"/lieux/{r}/listing/cget-2019-2"
        html = await (await client.get(unclaimed_url)).text()
        assert "Non revendiqué" in html and "Revendiqué" not in html
        assert f"/lieux/{owner.did}" not in html
        # the page of a listed place: the place itself, its source, schema.org LocalBusiness
        assert "<h1>Le Hangar des Chartrons</h1>" in html
        assert "33000 Bordeaux" in html and "Coworking" in html
        assert CGET_2019.source in html and "Identifiant dans la source" in html
        assert "<dt>Date des données</dt><dd>13 juin 2019</dd>" in html
        assert '"@type": "LocalBusiness"' in html or '"@type":"LocalBusiness"' in html
        assert "Conditions d'intervention" not in html

        html = await (await client.get(f"/lieux/{r}")).text()
        assert "Fiches recensées" in html
        assert '<span class="badge">Revendiqué</span>' in item_of(html, claimed_url)
        for rid in ("cget-2019-2", "cget-2019-3"):
            assert "Non revendiqué" in item_of(html, f"/lieux/{r}/listing/{rid}")

        html = await (await client.get("/", params={"q": "Hangar Chartrons"})).text()
        cards = re.findall(r'<article class="card">.*?</article>', html, re.DOTALL)
        assert len(cards) == 1 and "Non revendiqué" in cards[0]
        assert f'<a href="{unclaimed_url}">Le Hangar des Chartrons</a>' in cards[0]
        # a place's card: its kind and town, its name only once, departments by name
        assert cards[0].count("Le Hangar des Chartrons") == 1
        assert "Coworking" in cards[0] and "Bordeaux (33)" in cards[0]
        assert "Gironde (33)" in html
        html = await (await client.get("/", params={"q": "Fabrique Périgord"})).text()
        assert OWN_PROFILE["name"] in html and claimed_url not in html

        data = await (await client.get("/api/search", params={"q": "Fabrique"})).json()
        assert [(h["author"], h["col"]) for h in data["results"]] == [(owner.did, "profile")]
    finally:
        await client.close()


async def test_a_network_page_shows_its_listings_fifty_at_a_time(node: Node) -> None:
    """A regional network publishes hundreds of listings: its page lists them by name,
    50 a page, with links to the other pages; a wrong page number is a French error."""
    from node.web.place_pages import LISTINGS_PER_PAGE

    html_please = {"Accept": "text/html"}

    node.store.append_own(node.key, col="profile", rid="profile", body=NETWORK)
    _, body = listing_bodies()[0]
    for n in range(LISTINGS_PER_PAGE + 7):
        named = {**body, "name": f"Lieu {n:03d}"}
        node.store.append_own(node.key, col="listing", rid=f"lieu-{n:03d}", body=named)
    client = await serve(node.settings)
    try:
        url = f"/lieux/{node.key.did}"
        html = await (await client.get(url)).text()
        assert 'Fiches recensées <span class="count">(57)</span>' in html
        names = re.findall(r">(Lieu \d{3})</a>", html)
        assert names == [f"Lieu {n:03d}" for n in range(LISTINGS_PER_PAGE)]
        assert '<a rel="next" href="?page=2#recenses">' in html and "Page 1 sur 2" in html

        html = await (await client.get(url, params={"page": "2"})).text()
        assert re.findall(r">(Lieu \d{3})</a>", html) == [f"Lieu {n:03d}" for n in range(50, 57)]
        assert '<a rel="prev" href="?page=1#recenses">' in html and 'rel="next"' not in html

        for page, status in (("0", 400), ("deux", 400), ("-1", 400), ("3", 404), ("²", 400)):
            response = await client.get(url, params={"page": page}, headers=html_please)
            assert response.status == status, page
            assert "text/html" in response.headers["Content-Type"]
    finally:
        await client.close()


# -- the 2019 census -------------------------------------------------------------------------


def test_claims_over_the_2019_census(node: Node, tmp_path: Path):
    path = shared_path("data", "cget-tiers-lieux-2019.csv")
    with path.open(encoding="utf-8", newline="") as stream:
        rows = {row["ID"]: row for row in csv.DictReader(stream)}
    import_file(node, path, CGET_2019)
    cordee = [row for row in rows.values() if website_key(row["WEB"]) == "la-cordee.net"]
    assert len(cordee) > 2  # a chain of coworkings sharing one website
    one = cordee[0]
    lone = rows["1"]  # ADE Coworking, the only one with its website
    assert sum(website_key(row["WEB"]) == website_key(lone["WEB"]) for row in rows.values()) == 1
    owners = key("cordee"), key("ade")
    node.store.append_own(
        owners[0],
        col="profile",
        rid="profile",
        body={"name": one["NOM_TL"].upper(), "website": "https://www.la-cordee.net/"},
    )
    node.store.append_own(
        owners[1],
        col="profile",
        rid="profile",
        body={"name": "ADE", "website": "https://www.ade-coworking.net"},
    )
    index = SearchIndex(tmp_path / "index", node.store)
    try:
        assert index.claimants(node.key.did) == {
            f"cget-2019-{one['ID']}": (owners[0].did, one["NOM_TL"].upper()),
            "cget-2019-1": (owners[1].did, "ADE"),
        }
        assert find(index, col="listing", per_page="1").total == len(rows) - 2
    finally:
        index.close()


# -- three nodes -------------------------------------------------------------------------------


async def test_a_follower_shows_the_profile_not_the_listing_of_another_node(tmp_path: Path):
    r, p, c = (LiveNode(tmp_path, name) for name in ("Recenseur", "Fabrique", "Carrefour"))
    status, _, _ = await cli(
        "import", "--home", r.home, "--format", "cget", write_csv(tmp_path / "lieux.csv")
    )
    assert status == 0
    try:
        for live in (r, p, c):
            await live.start()
        await p.put("profile", OWN_PROFILE, col="profile")
        for source in (r, p):
            assert (await cli("follow", "--home", c.home, source.url))[0] == 0
        await c.app[WRITER].catch_up()
        await c.sync()
        assert c.seq_of(r.did) == 3 and c.seq_of(p.did) == 1

        async def search(node: LiveNode, q: str) -> set[tuple[str, str]]:
            async with aiohttp.ClientSession() as session:
                url = f"{node.url}/api/search"
                async with session.get(url, params={"q": q, "per_page": "50"}) as response:
                    assert response.status == 200
                    data = await response.json()
            return {(hit["author"], hit["url"]) for hit in data["results"]}

        profile_hit = (p.did, f"/lieux/{p.did}")
        listing_hit = (r.did, f"/lieux/{r.did}/listing/cget-2019-1")
        assert await search(c, "Fabrique Périgord") == {profile_hit}
        assert await search(c, "Hangar") == {(r.did, f"/lieux/{r.did}/listing/cget-2019-2")}
        assert await search(r, "Fabrique Périgord") == {listing_hit}  # R does not follow P

        await p.put("profile", {**OWN_PROFILE, "website": "https://ailleurs.fr"}, col="profile")
        await c.sync()

        async def listing_back() -> bool:
            return await search(c, "Fabrique Périgord") == {profile_hit, listing_hit}

        await until(listing_back, what="the listing back once the websites differ")
    finally:
        for live in (r, p, c):
            await live.stop()
