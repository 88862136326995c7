"""``search.matching.rank``: the order, the reasons, and the properties the issue asks for."""

from __future__ import annotations

import datetime
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from search.matching import WEIGHTS, Candidate, Need, Spot, needs_for, rank

TODAY = datetime.date(2026, 12, 1)
PERIGUEUX = Spot("Mairie de Périgueux", "Périgueux", "24", 45.1846, 0.7214)
BOULAZAC = Spot("Fablab de Boulazac", "Boulazac", "24", 45.1766, 0.7706)
NEED = Need(
    "did:mairie",
    "visieres",
    {
        "title": "500 visières de protection",
        "category": "production.petite-serie",
        "tags": ["visière"],
        "quantity": 500,
        "unit": "pièces",
        "due_date": "2026-12-11",
        "urgency": "critique",
    },
    PERIGUEUX,
)


def offer(
    rid: str,
    *,
    title: str = "Visières en petite série",
    category: str = "production.petite-serie",
    limits: dict[str, Any] | None = None,
    spot: Spot = BOULAZAC,
    **more: Any,
) -> Candidate:
    body = {"title": title, "category": category, **more}
    if limits is not None:
        body["conditions"] = {"limits": limits}
    return Candidate(f"did:{rid}", "offer", rid, body, spot)


def ranked(*candidates: Candidate, **options: Any) -> list[str]:
    return [m.rid for m in rank(NEED, list(candidates), today=TODAY, **options)]


def test_the_weights_make_a_score_out_of_100():
    assert sum(WEIGHTS.values()) == 100
    best = rank(
        NEED,
        [offer("a", limits={"max_quantity": 1000, "lead_time_days": 5}, area={"radius_km": 30})],
        today=TODAY,
    )[0]
    assert 0 < best.score <= 100 and set(best.components) == set(WEIGHTS)
    assert all(0 <= value <= 1 for value in best.components.values())


def test_the_nearby_offer_that_covers_in_time_comes_first_with_its_reasons():
    matches = rank(
        NEED,
        [
            offer("slow", limits={"max_quantity": 1000, "lead_time_days": 15}),
            offer("part", limits={"max_quantity": 200, "lead_time_days": 2}),
            offer(
                "near",
                limits={"max_quantity": 1000, "lead_time_days": 3, "notice_days": 2},
                area={"departments": ["24"]},
            ),
        ],
        today=TODAY,
    )
    assert [m.rid for m in matches] == ["near", "part", "slow"]
    near, part, slow = matches
    assert near.reasons == (
        "même catégorie : Petite série sur mesure",
        "mots en commun : visières",
        "jusqu'à 1\u202f000 pièces (besoin : 500)",
        "délai 5 jours, avant l'échéance du 11 décembre",
        "à 4 km",
        "dans sa zone d'intervention",
    )
    assert (near.covers, near.in_time, near.distance_km) == (True, True, 4.0)
    assert near.url == "/lieux/did:near/offer/near" and near.place.city == "Boulazac"
    assert "ne couvre que 200 pièces sur 500" in part.reasons and part.covers is False
    assert "délai 15 jours : trop tard pour l'échéance du 11 décembre" in slow.reasons
    assert slow.in_time is False


def test_unknown_capacity_far_offers_and_areas_say_so():
    far = Spot("Fablab de Lille", "Lille", "59", 50.6292, 3.0573)
    [match] = rank(NEED, [offer("far", spot=far, area={"departments": ["59"]})], today=TODAY)
    assert "capacité non précisée" in match.reasons and match.covers is None
    assert "délai non précisé" in match.reasons and match.in_time is None
    assert "à 630 km" in match.reasons and "hors de sa zone d'intervention" in match.reasons
    assert match.components["distance"] == 0


def test_a_minimum_above_the_need_is_a_reason_against():
    low, high = rank(
        NEED,
        [
            offer("high", limits={"min_quantity": 1000, "max_quantity": 5000}),
            offer("low", limits={"max_quantity": 5000}),
        ],
        today=TODAY,
    )
    assert (low.rid, high.rid) == ("low", "high")
    assert "à partir de 1\u202f000 pièces : plus que le besoin" in high.reasons


def test_a_mobilisable_offer_is_flagged_and_its_weekly_capacity_counts():
    [match] = rank(
        NEED,
        [offer("mob", limits={"lead_time_days": 1}, mobilisable={"capacity_per_week": 400})],
        today=TODAY,
    )
    assert match.mobilisable is True and match.covers is True
    assert "répond aux appels : 400 pièces par semaine" in match.reasons
    assert "soit 571 pièces d'ici l'échéance (besoin : 500)" in match.reasons


def test_what_is_left_out():
    closed = Candidate("did:closed", "offer", "c", {"title": "Visières"}, status="ferme")
    own = Candidate("did:mairie", "offer", "o", {"title": "Visières"})
    group_only = offer("group", title="Découpe laser", category="production.prototypage")
    need = Candidate("did:n", "need", "n", {"title": "Visières"})
    expired = offer("old", valid_until="2026-11-30")
    assert ranked(closed, own, group_only, need, expired) == []
    assert ranked(expired, include_expired=True) == ["old"]
    [shown] = rank(NEED, [expired], today=TODAY, include_expired=True)
    assert "expirée depuis le 30 novembre" in shown.reasons


def test_places_without_a_matching_offer_come_after_every_offer():
    place = Candidate("did:p", "profile", "profile", {"name": "Visières et masques"}, PERIGUEUX)
    listing = Candidate("did:l", "listing", "x", {"name": "Atelier", "summary": "visières"})
    with_offer = Candidate("did:w", "profile", "profile", {"name": "Visières du Périgord"})
    weak = offer("weak", title="Couture", category="production.petite-serie")
    found = ranked(
        place, listing, with_offer, weak, Candidate("did:w", "offer", "v", {"title": "Visières"})
    )
    assert found[:2] == ["v", "weak"] or found[:2] == ["weak", "v"]
    assert set(found[2:]) == {"profile", "x"} and len(found) == 4
    [match] = rank(NEED, [place], today=TODAY)
    assert "lieu sans offre publiée pour ce besoin : à contacter" in match.reasons


def test_inactive_places_rank_lower_and_say_why():
    a, b = offer("a", limits={"max_quantity": 1000}), offer("b", limits={"max_quantity": 1000})
    assert ranked(a, b) == ["a", "b"]
    assert ranked(a, b, inactive={"did:a"}) == ["b", "a"]
    match = rank(NEED, [a], today=TODAY, inactive={"did:a"})[0]
    assert "inactif ? son nœud ne publie plus et ne répond plus" in match.reasons


def test_bodies_from_peers_of_any_shape_never_raise():
    weird = [
        offer("w1", limits={"max_quantity": "1000", "lead_time_days": 1.5}),
        offer("w2", conditions=[], area="24", mobilisable={"capacity_per_week": True}),
        Candidate("did:w3", "offer", "w3", {"title": 3, "category": ["x"]}),
    ]
    found = rank(NEED, weird, today=TODAY)
    assert [m.rid for m in found] == ["w1", "w2"]
    assert "capacité non précisée" in found[0].reasons


def test_the_needs_an_offer_could_serve_most_urgent_first():
    def need(rid: str, urgency: str, due: str) -> Need:
        body = {**NEED.body, "urgency": urgency, "due_date": due}
        return Need(f"did:{rid}", rid, body, PERIGUEUX)

    served = needs_for(
        offer("o"),
        [
            need("normal", "normale", "2026-12-05"),
            need("late", "critique", "2026-12-20"),
            need("soon", "critique", "2026-12-10"),
            need("past", "critique", "2026-11-20"),
            Need("did:x", "x", {"title": "Cours de cuisine"}),
        ],
        today=TODAY,
    )
    assert [s.need.rid for s in served] == ["soon", "late", "normal"]


# -- properties ------------------------------------------------------------------------

LIMITS = st.fixed_dictionaries(
    {},
    optional={
        "max_quantity": st.integers(0, 5000),
        "min_quantity": st.integers(0, 2000),
        "lead_time_days": st.integers(0, 30),
        "notice_days": st.integers(0, 10),
    },
)
SPOTS = st.builds(
    Spot,
    department=st.sampled_from(["24", "33", "59"]),
    lat=st.floats(43, 51),
    lon=st.floats(-1, 5),
) | st.just(Spot())
CANDIDATE = st.builds(
    lambda i, title, category, limits, spot, valid, mobile: Candidate(
        f"did:{i}",
        "offer",
        f"o{i}",
        {
            "title": title,
            "category": category,
            "conditions": {"limits": limits},
            **({"valid_until": valid} if valid else {}),
            **({"mobilisable": {"capacity_per_week": mobile}} if mobile else {}),
        },
        spot,
    ),
    st.integers(0, 10**6),
    st.sampled_from(["Visières de protection", "Impression de visières", "Couture", "Atelier"]),
    st.sampled_from(["production.petite-serie", "production.prototypage", "formation.initiation"]),
    LIMITS,
    SPOTS,
    st.sampled_from([None, "2026-11-01", "2026-12-01", "2027-01-01"]),
    st.sampled_from([None, 50, 400]),
)
CANDIDATES = st.lists(CANDIDATE, max_size=12, unique_by=lambda c: c.rid)


def _with_limits(candidate: Candidate, **limits: int) -> Candidate:
    body = dict(candidate.body)
    body["conditions"] = {"limits": {**body["conditions"]["limits"], **limits}}
    return Candidate(candidate.author, candidate.col, candidate.rid, body, candidate.place)


def _position(rid: str, candidates: list[Candidate]) -> int:
    return ranked(*candidates).index(rid)


@settings(max_examples=60, deadline=None)
@given(CANDIDATES, st.integers(0, 5000), st.integers(1, 5000))
def test_raising_max_quantity_never_lowers_a_rank(candidates, low, more):
    target = _with_limits(offer("target", limits={}), max_quantity=low)
    raised = _with_limits(target, max_quantity=low + more)
    before = _position("target", [*candidates, target])
    after = _position("target", [*candidates, raised])
    assert after <= before


@settings(max_examples=60, deadline=None)
@given(CANDIDATES, st.integers(0, 20), st.integers(1, 20))
def test_an_offer_in_time_never_ranks_below_the_same_offer_made_slower(candidates, lead, slower):
    quick = _with_limits(offer("target", limits={"max_quantity": 600}), lead_time_days=lead)
    slow = _with_limits(quick, lead_time_days=lead + slower)
    assert _position("target", [*candidates, quick]) <= _position("target", [*candidates, slow])


@settings(max_examples=60, deadline=None)
@given(CANDIDATES)
def test_expired_and_unrelated_offers_are_never_proposed(candidates):
    for match in rank(NEED, candidates, today=TODAY):
        body = next(c.body for c in candidates if c.rid == match.rid)
        assert body.get("valid_until", "9999") >= TODAY.isoformat()
        related = body["category"] == NEED.body["category"] or "isi" in body["title"]
        assert related, body


@settings(max_examples=60, deadline=None)
@given(CANDIDATES, st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_same_order(candidates, rng: random.Random):
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert rank(NEED, shuffled, today=TODAY) == rank(NEED, candidates, today=TODAY)
