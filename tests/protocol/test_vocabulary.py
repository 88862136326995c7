"""The French vocabulary: codes, labels, display order, unknown codes kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import vocabulary as v
from protocol.vocabulary import (
    CATEGORIES,
    ENJEUX,
    VOCABULARIES,
    Vocabulary,
    category_group,
    is_valid_code,
)

BRIEF_CATEGORIES = {
    "accueil.coworking": "Coworking, postes de travail",
    "accueil.salle": "Location de salle, hébergement d'activités",
    "accueil.animation": "Animation, événements",
    "accueil.acces-libre": "Atelier en accès libre",
    "accueil.mediation-numerique": "Médiation numérique",
    "production.prototypage": "Prototypage",
    "production.petite-serie": "Petite série sur mesure",
    "production.reparation": "Réparation, réemploi",
    "production.machine-accompagnee": "Mise à disposition de machines accompagnée",
    "production.conception": "Conception, CAO",
    "production.textile": "Couture, textile",
    "formation.numerique": "Formation aux métiers du numérique et de la fabrication",
    "formation.transition": "Formation à la transition écologique, low-tech",
    "formation.certifiante": "Parcours certifiant",
    "formation.initiation": "Initiation grand public, jeunesse",
}


def test_categories_are_exactly_the_common_core_in_order() -> None:
    assert dict(CATEGORIES) == BRIEF_CATEGORIES
    assert CATEGORIES.codes() == tuple(BRIEF_CATEGORIES)
    assert len(CATEGORIES) == 15


def test_enjeux_codes_match_the_brief() -> None:
    assert ENJEUX.codes() == (
        "emploi-insertion",
        "inclusion-numerique",
        "transition-ecologique",
        "resilience-crise",
        "revitalisation-rurale",
        "alimentation",
        "mobilite-teletravail",
        "jeunesse-education",
        "culture",
        "sante",
    )
    assert ENJEUX.label("emploi-insertion") == "Emploi et insertion"
    assert ENJEUX.label("transition-ecologique") == "Transition écologique"
    assert ENJEUX.label("sante") == "Santé"


@pytest.mark.parametrize(
    ("vocab", "codes"),
    [
        (
            v.FAMILIES,
            [
                "fablab",
                "coworking",
                "repair-cafe",
                "atelier-partage",
                "tiers-lieu-rural",
                "culturel",
                "mediation-numerique",
                "mobile",
            ],
        ),
        (v.PRICING, ["gratuit", "prix-libre", "adhesion", "tarif", "devis", "echange"]),
        (v.PRICE_UNITS, ["heure", "jour", "piece", "forfait"]),
        (v.ACCESS, ["public", "adherents", "sur-demande"]),
        (v.STATUSES, ["projet", "actif", "ferme-temporairement", "ferme"]),
        (
            v.AUDIENCES,
            ["citoyens", "associations", "collectivites", "entreprises", "tiers-lieux"],
        ),
        (v.CHANNELS, ["sur-place", "a-distance", "itinerant"]),
        (v.URGENCIES, ["faible", "normale", "haute", "critique"]),
    ],
)
def test_required_codes_are_present(vocab: Vocabulary, codes: list[str]) -> None:
    for code in codes:
        assert vocab.is_known(code), code
        assert vocab.label(code) != code


def test_labels_are_french_with_accents() -> None:
    assert v.PRICING.label("echange").startswith("Échange")
    assert v.PRICE_UNITS.label("piece") == "À la pièce"
    assert v.AUDIENCES.label("collectivites") == "Collectivités"
    assert v.CHANNELS.label("itinerant") == "Itinérant"
    assert v.CHANNELS.label("a-distance") == "À distance"
    assert v.ACCESS.label("adherents") == "Réservé aux adhérents"
    assert v.STATUSES.label("ferme-temporairement") == "Fermé temporairement"


def test_every_vocabulary_is_registered_and_well_formed() -> None:
    assert set(VOCABULARIES) >= {
        "categories",
        "enjeux",
        "families",
        "pricing",
        "price-units",
        "access",
        "statuses",
        "audiences",
        "channels",
        "urgencies",
    }
    for name, vocab in VOCABULARIES.items():
        assert vocab.name == name
        assert vocab.title
        for code, label in vocab.items():
            assert is_valid_code(code)
            assert label.strip() == label and label
            assert label[0].isupper(), (name, code, label)


def test_unknown_code_is_shown_as_itself() -> None:
    assert not CATEGORIES.is_known("production.bois")
    assert CATEGORIES.label("production.bois") == "production.bois"
    assert CATEGORIES.labels(["production.textile", "production.bois"]) == [
        "Couture, textile",
        "production.bois",
    ]
    assert CATEGORIES.get("production.bois") is None
    with pytest.raises(KeyError):
        CATEGORIES["production.bois"]


def test_is_known_tolerates_non_strings() -> None:
    assert not CATEGORIES.is_known(None)
    assert not CATEGORIES.is_known(3)


def test_choices_follow_display_order_and_keep_unknown_codes() -> None:
    choices = v.URGENCIES.choices()
    assert choices == [
        ("faible", "Faible"),
        ("normale", "Normale"),
        ("haute", "Haute"),
        ("critique", "Critique"),
    ]
    kept = v.URGENCIES.choices("haute", "vitale", "vitale")
    assert kept[:4] == choices
    assert kept[4:] == [("vitale", "vitale")]
    assert list(v.URGENCIES) == ["faible", "normale", "haute", "critique"]


def test_vocabulary_is_immutable() -> None:
    with pytest.raises(TypeError):
        CATEGORIES["production.bois"] = "Bois"  # type: ignore[index]
    with pytest.raises(AttributeError):
        CATEGORIES.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        VOCABULARIES["x"] = CATEGORIES  # type: ignore[index]


def test_vocabulary_rejects_bad_definitions() -> None:
    with pytest.raises(ValueError, match="invalid"):
        Vocabulary("t", "T", [("Majuscule", "Majuscule")])
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary("t", "T", [("a", "A"), ("a", "B")])
    with pytest.raises(ValueError, match="empty"):
        Vocabulary("t", "T", [("a", "")])
    assert repr(Vocabulary("t", "T", [("a", "A")])) == "Vocabulary('t', 1 codes)"


@pytest.mark.parametrize(
    "code",
    ["fablab", "production.petite-serie", "x", "a1.b2-c3", "formation.numerique.v2"],
)
def test_valid_codes(code: str) -> None:
    assert is_valid_code(code)


@pytest.mark.parametrize(
    "code",
    ["", "Fablab", "repair café", "prix_libre", "-a", "a-", "a..b", "a.", "é", "a" * 65, 3, None],
)
def test_invalid_codes(code: object) -> None:
    assert not is_valid_code(code)


def test_category_groups() -> None:
    assert category_group("production.textile") == "production"
    assert category_group("formation") == "formation"
    for code in CATEGORIES:
        assert v.CATEGORY_GROUPS.is_known(category_group(code))
    assert v.CATEGORY_GROUPS.label("accueil") == "Accueil et animation"


@given(st.from_regex(r"[a-z0-9]{1,10}(?:[.-][a-z0-9]{1,10}){0,3}", fullmatch=True))
def test_any_slug_is_a_valid_code_and_labels_as_itself_when_unknown(code: str) -> None:
    assert is_valid_code(code)
    assert CATEGORIES.label(code) == BRIEF_CATEGORIES.get(code, code)


def test_departments_and_regions_have_their_names():
    from protocol import geography

    assert len(geography.DEPARTMENTS) == 101
    assert len(geography.REGIONS) == 18
    assert geography.department_label("33") == "Gironde (33)"
    assert geography.department_label("2A") == "Corse-du-Sud (2A)"
    assert geography.department_label("974") == "La Réunion (974)"
    assert geography.department_label("99") == "99"
    assert geography.region_label("75") == "Nouvelle-Aquitaine"
    assert geography.region_label("00") == "00"
