"""The schema.org checker itself (:mod:`tests.support.schemaorg`), on documents that are
wrong on purpose: each mistake is reported once, as (page, type, property, problem)."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld

from tests.support import schemaorg

BASE = "https://noeud.example/lieux/x"
GOOD = {
    "@context": "https://schema.org",
    "@type": "Offer",
    "@id": BASE + "/offer/a",
    "url": BASE + "/offer/a",
    "name": "Découpe laser",
    "category": "Prototypage",
    "validThrough": "2030-06-30",
    "priceSpecification": {"@type": "UnitPriceSpecification", "price": "25.00"},
    "offeredBy": {"@type": "LocalBusiness", "@id": BASE, "name": "Fablab", "telephone": "05"},
    "itemOffered": {"@type": "Service", "name": "Découpe", "serviceType": "Prototypage"},
}


def problems(document: dict) -> list[tuple[str, str, str]]:
    return [(p.type, p.property, p.problem) for p in schemaorg.check(document, "essai")]


def test_a_correct_document_has_no_problem():
    assert problems(GOOD) == []
    graph = {"@context": "https://schema.org", "@graph": [{**GOOD, "@context": None}]}
    assert problems({**graph, "@graph": [{k: v for k, v in GOOD.items() if k != "@context"}]}) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"keywords": "laser, bois"}, ("Offer", "keywords", "outside its domain (CreativeWork)")),
        (
            {"offeredBy": {"@type": "Place", "@id": BASE}},
            ("Offer", "offeredBy", "a Place node, not in (Organization, Person)"),
        ),
        ({"colour": "rouge"}, ("Offer", "colour", "not a schema.org property")),
        (
            {"validThrough": "bientôt"},
            ("Offer", "validThrough", 'literal "bientôt" not in (Date, DateTime)'),
        ),
        ({"url": "pas une adresse"}, ("Offer", "url", '"pas une adresse" is not an absolute URL')),
        (
            {"offeredBy": "Fablab"},
            ("Offer", "offeredBy", 'literal "Fablab" not in (Organization, Person)'),
        ),
        ({"offeredBy": {"name": "Fablab"}}, ("(untyped)", "name", "on a node without a type")),
        ({"@type": "Offre"}, ("Offre", "@type", "unknown type Offre")),
    ],
)
def test_each_mistake_is_reported(change, expected):
    found = problems({**GOOD, **change})
    assert expected in found, found


def test_a_property_outside_the_domain_of_every_type_and_a_wrong_literal_type():
    place = {"@context": "https://schema.org", "@type": "Place", "@id": BASE, "email": "a@b.fr"}
    assert problems(place) == [
        ("Place", "email", "outside its domain (ContactPoint, Organization, Person)")
    ]
    both = {**place, "@type": ["Place", "Organization"]}
    assert problems(both) == []
    count = {"@context": "https://schema.org", "@type": "ItemList", "numberOfItems": "beaucoup"}
    assert problems(count) == [("ItemList", "numberOfItems", 'literal "beaucoup" not in (Integer)')]
    assert problems({**count, "numberOfItems": 3}) == []
    assert problems({**count, "numberOfItems": True})[0][2].startswith("literal true")


def test_reverse_properties_are_checked_in_both_directions():
    demand = {
        "@context": "https://schema.org",
        "@type": "Demand",
        "@id": BASE + "/need/a",
        "@reverse": {"seeks": {"@type": "Place", "@id": BASE}},
    }
    assert problems(demand) == [("Place", "seeks", "outside its domain (Organization, Person)")]
    demand["@reverse"]["seeks"]["@type"] = "Organization"
    assert problems(demand) == []


def test_no_network_only_the_schema_org_context():
    other = {**GOOD, "@context": "https://ailleurs.example/contexte.jsonld"}
    [(_, _, problem)] = problems(other)
    assert problem.startswith("not valid JSON-LD") and "ailleurs.example" in problem
    with pytest.raises(jsonld.JsonLdError):
        schemaorg.document_loader("https://schema.org.evil.example/")


def test_pages_without_json_ld_and_with_several_blocks():
    html = '<html><head><script type="application/ld+json">{}</script></head></html>'
    assert (
        schemaorg.check_page("<html></html>", "vide")[0].problem == "no application/ld+json block"
    )
    assert schemaorg.check_page(html, "p") == []
    block = f'<script type="application/ld+json">{json.dumps({**GOOD, "keywords": "x"})}</script>'
    found = schemaorg.check_page(html.replace("</head>", block + "</head>"), "p")
    assert [(p.page, p.property) for p in found] == [("p", "keywords")]
