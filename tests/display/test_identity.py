"""The one rule for a place's own node (:mod:`node.display.identity`)."""

from __future__ import annotations

from node.display import identity
from node.display import record_text as views

HERE = "http://127.0.0.1:8080"


def test_a_place_is_at_home_on_its_first_node_url_else_here():
    body = {"name": "Lieu", "node_urls": ["https://noeud.example/maillage/", "https://b.example"]}
    place = views.place("did:key:z6MkA", body)
    assert identity.own_url(HERE, place["url"], place) == (
        "https://noeud.example/maillage/lieux/did:key:z6MkA"
    )
    bare = views.place("did:key:z6MkA", {"name": "Lieu"})
    assert identity.own_url(HERE, "/lieux/did:key:z6MkA", bare) == f"{HERE}/lieux/did:key:z6MkA"


def test_only_web_addresses_count_and_a_listing_is_at_home_on_its_publisher():
    hostile = views.place("did:key:z6MkA", {"node_urls": ["javascript:alert(1)", 3, None]})
    assert hostile["node_urls"] == [] and identity.own_base(HERE, hostile) == HERE
    publisher = views.place("did:key:z6MkP", {"node_urls": ["https://reseau.example"]})
    listing = {**views.place("did:key:z6MkP", {"name": "Recensé"}), "url": "/lieux/x/listing/1"}
    assert identity.own_base(HERE, identity.listed(listing, publisher)) == "https://reseau.example"
    own = {**listing, "node_urls": ["https://lieu.example"]}
    assert identity.own_base(HERE, identity.listed(own, publisher)) == "https://lieu.example"
