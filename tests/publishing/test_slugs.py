"""Record ids derived from titles."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from node.publishing.slugs import MAX_SLUG, slugify, unique_slug
from protocol.header import RID_RE

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def test_accents_are_folded() -> None:
    assert slugify("Découpe laser") == "decoupe-laser"
    assert slugify("  Œuvres & cœurs : l'été à Périgueux !  ") == "oeuvres-coeurs-l-ete-a-perigueux"
    assert slugify("Impression 3D — PLA/PETG") == "impression-3d-pla-petg"
    assert slugify("ÇA MARCHE") == "ca-marche"


def test_nothing_left_gives_the_fallback() -> None:
    assert slugify("🔧🪚", "offre") == "offre"
    assert slugify("", "besoin") == "besoin"
    assert slugify("!!!", "???") == "fiche"


def test_long_titles_are_cut_at_a_word() -> None:
    slug = slugify("Formation " * 20)
    assert len(slug) <= MAX_SLUG and slug.endswith("formation")
    assert slugify("a" * 100) == "a" * MAX_SLUG


def test_unique_slug_appends_a_number() -> None:
    assert unique_slug("atelier", set()) == "atelier"
    assert unique_slug("atelier", {"atelier"}) == "atelier-2"
    assert unique_slug("atelier", {"atelier", "atelier-2", "atelier-3"}) == "atelier-4"
    base = "b" * MAX_SLUG
    assert unique_slug(base, {base}) == "b" * (MAX_SLUG - 2) + "-2"


@given(st.text(max_size=200), st.sets(st.sampled_from(["offre", "a", "a-2", "offre-2"])))
def test_slugs_are_valid_rids(title: str, taken: set[str]) -> None:
    slug = unique_slug(slugify(title, "offre"), taken)
    assert SLUG_RE.fullmatch(slug) and RID_RE.fullmatch(slug)
    assert len(slug) <= MAX_SLUG and slug not in taken
