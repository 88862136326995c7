"""The trust distance (``search.trust``): pure rules, checked with hypothesis."""

from __future__ import annotations

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from search.match_components import trust as trust_component
from search.matching import WEIGHTS, Candidate, Need, rank
from search.trust import OUT_OF_REACH, Trust, distances, label, preference

PLACES = [f"did:{i}" for i in range(8)]
ME = PLACES[0]
graphs = st.dictionaries(
    st.sampled_from(PLACES), st.lists(st.sampled_from(PLACES), max_size=5), max_size=8
)


def reference(me: str, graph: dict[str, list[str]]) -> dict[str, int]:
    """Shortest path lengths by relaxation (Bellman–Ford with unit weights)."""
    found = {me: 0}
    for _ in PLACES:
        for author, targets in graph.items():
            if author in found:
                for did in targets:
                    if found[author] + 1 < found.get(did, OUT_OF_REACH):
                        found[did] = found[author] + 1
    return found


@settings(max_examples=300, deadline=None)
@given(graphs)
def test_hops_is_the_breadth_first_distance(graph: dict[str, list[str]]) -> None:
    assert distances(ME, graph) == reference(ME, graph)


@settings(max_examples=300, deadline=None)
@given(graphs, st.sampled_from(PLACES), st.sampled_from(PLACES))
def test_an_endorsement_never_increases_a_hops_value(
    graph: dict[str, list[str]], author: str, endorsed: str
) -> None:
    before = distances(ME, graph)
    wider = {**graph, author: [*graph.get(author, []), endorsed]}
    after = distances(ME, wider)
    assert set(before) <= set(after)
    assert all(after[did] <= hops for did, hops in before.items())


@given(graphs)
def test_this_node_comes_first_then_the_endorsed_then_by_hops(
    graph: dict[str, list[str]],
) -> None:
    hops = distances(ME, graph)
    endorsed = frozenset(graph.get(ME, [])[:1])
    trust = Trust(ME, hops, endorsed)
    assert preference(trust, ME) == 0
    for did, h in hops.items():
        if did != ME:
            assert preference(trust, did) == (1 if did in endorsed else 1 + h)
    assert preference(trust, "did:elsewhere") == OUT_OF_REACH


def test_labels_say_how_close_in_french() -> None:
    assert label(0, False) == "publié par ce nœud"
    assert label(1, True) == "recommandé par ce nœud"
    assert label(1, False) == "suivi par ce nœud"
    assert label(2, False) == "à 2 relais"
    assert label(None, False) == ""


def test_the_trust_component_of_a_match() -> None:
    reasons: list[str] = []
    values = [trust_component(h, False, reasons) for h in (0, 1, 2, 3, 4, 9)]
    assert values == [1.0, 0.8, 0.6, 0.4, 0.2, 0.2]
    assert trust_component(2, True, reasons) == 1.0
    assert trust_component(None, False, []) == 0.5
    assert reasons[:3] == ["publié par ce nœud", "suivi par ce nœud", "à 2 relais"]
    assert WEIGHTS["trust"] == 5


def test_an_endorsed_offer_ranks_above_an_equal_one_further_away() -> None:
    need = Need("did:need", "visieres", {"title": "Visières", "category": "production.textile"})
    body = {"title": "Visières", "category": "production.textile"}
    far = Candidate("did:far", "offer", "v", body, hops=3)
    endorsed = Candidate("did:near", "offer", "v", body, hops=2, endorsed=True)
    matches = rank(need, [far, endorsed], today=datetime.date(2026, 12, 1))
    assert [m.author for m in matches] == ["did:near", "did:far"]
    assert "recommandé par ce nœud" in matches[0].reasons and "à 3 relais" in matches[1].reasons
    assert matches[0].hops == 2 and matches[0].score - matches[1].score == 3.0
