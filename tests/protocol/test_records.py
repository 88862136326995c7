"""Record bodies: models, forward compatibility, no floats, French error messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from protocol.record_parts import MAX_SAFE_INTEGER, Conditions, Geo
from protocol.records import (
    RECORD_MODELS,
    Follow,
    Need,
    Offer,
    Profile,
    RecordError,
    parse_record,
    record_to_body,
    validate_record,
)

FABLAB_PERIGUEUX: dict[str, Any] = {
    "name": "Fablab de Périgueux",
    "summary": "Atelier de fabrication numérique ouvert à tous, au cœur de la Dordogne.",
    "description": "Découpe laser, impression 3D, couture, électronique. Ateliers jeunesse.",
    "families": ["fablab", "repair-cafe"],
    "address": {
        "street": "12 rue Wilson",
        "postcode": "24000",
        "city": "Périgueux",
        "insee_code": "24322",
    },
    "department": "24",
    "region": "75",
    "geo": {"lat": "45.1846", "lon": "0.7214"},
    "website": "https://fablab-perigueux.example.fr",
    "contact": {
        "name": "Camille Martin",
        "email": "contact@fablab-perigueux.example.fr",
        "phone": "05 53 00 00 00",
    },
    "opening_hours": "Tu-Fr 14:00-19:00; Sa 10:00-18:00",
    "access": "public",
    "equipment": [
        {"type": "Découpeuse laser", "make": "Trotec", "model": "Speedy 300", "quantity": 1},
        {"type": "Imprimante 3D", "make": "Prusa", "model": "MK4", "quantity": 6},
    ],
    "node_urls": ["https://noeud.fablab-perigueux.example.fr"],
    "status": "actif",
}

DECOUPE_LASER: dict[str, Any] = {
    "title": "Découpe laser",
    "description": "Découpe et gravure laser bois, carton, acrylique jusqu'à 720 × 430 mm.",
    "category": "production.machine-accompagnee",
    "tags": ["laser", "découpe", "gravure"],
    "enjeux": ["emploi-insertion", "transition-ecologique"],
    "conditions": {
        "pricing": "tarif",
        "price": "25.00",
        "unit": "heure",
        "limits": {"min_quantity": 1, "max_quantity": 200, "lead_time_days": 5, "notice_days": 2},
        "people_available": {"hours_per_month": "12.5", "volunteers": 4, "paid_staff": 1},
        "value_proposition": "Un fabmanager vous accompagne de la conception à la découpe.",
        "audiences": ["citoyens", "associations", "entreprises"],
        "channel": "sur-place",
    },
    "area": {"departments": ["24", "33"], "radius_km": 50},
    "valid_until": "2025-12-31",
}

VISIERES: dict[str, Any] = {
    "title": "Visières de protection : 500 pièces sous 10 jours",
    "category": "production.petite-serie",
    "tags": ["visières", "covid", "crise"],
    "enjeux": ["resilience-crise", "sante"],
    "conditions": {"pricing": "gratuit", "audiences": ["collectivites"]},
    "area": {"departments": ["24"]},
    "quantity": 500,
    "unit": "pièces",
    "due_date": "2020-04-10",
    "urgency": "critique",
}


def errors_of(col: str, body: Any) -> dict[str, str]:
    with pytest.raises(RecordError) as caught:
        validate_record(col, body)
    return dict(caught.value.errors)


# --- valid records -------------------------------------------------------------------------


def test_fablab_profile() -> None:
    profile = validate_record("profile", FABLAB_PERIGUEUX)
    assert isinstance(profile, Profile)
    assert profile.address is not None and profile.address.city == "Périgueux"
    assert profile.geo == Geo(lat="45.1846", lon="0.7214")
    assert profile.equipment[1].quantity == 6
    assert profile.family_labels == ["Fablab", "Repair café"]
    assert profile.status_label == "En activité"
    assert profile.access_label == "Ouvert à tous"


def test_offer_with_conditions_and_labels() -> None:
    offer = validate_record("offer", DECOUPE_LASER)
    assert isinstance(offer, Offer)
    assert offer.category_label == "Mise à disposition de machines accompagnée"
    assert offer.category_group == "production"
    assert offer.category_group_label == "Production, prototypage, petite série"
    assert offer.enjeu_labels == ["Emploi et insertion", "Transition écologique"]
    conditions = offer.conditions
    assert isinstance(conditions, Conditions)
    assert conditions.price == "25.00"
    assert conditions.pricing_label == "Tarif fixe"
    assert conditions.unit_label == "À l'heure"
    assert conditions.channel_label == "Sur place"
    assert conditions.audience_labels == ["Citoyens", "Associations", "Entreprises"]
    assert conditions.limits is not None and conditions.limits.lead_time_days == 5


def test_need_visieres() -> None:
    need = validate_record("need", VISIERES)
    assert isinstance(need, Need)
    assert (need.quantity, need.unit, need.due_date) == (500, "pièces", "2020-04-10")
    assert need.urgency_label == "Critique"
    assert need.category_label == "Petite série sur mesure"


def test_follow() -> None:
    follow = validate_record("follow", {"url": "https://tiers-lieux-24.example.fr"})
    assert isinstance(follow, Follow) and follow.name is None
    assert errors_of("follow", {"name": "x"}) == {"url": "champ obligatoire manquant"}


def test_minimal_records_and_labels_of_absent_codes() -> None:
    profile = validate_record("profile", {"name": "La Grange"})
    assert isinstance(profile, Profile)
    assert profile.families == [] and profile.status_label is None
    offer = validate_record(
        "offer", {"title": "Café réparation", "category": "production.reparation"}
    )
    assert isinstance(offer, Offer) and offer.enjeux == [] and offer.conditions is None
    assert Conditions().pricing_label is None and Conditions().unit_label is None
    assert Need(title="t", category="accueil.salle").urgency_label is None


def test_unknown_collection_is_passed_through() -> None:
    assert parse_record("badge", {"anything": 1.5}) is None
    assert validate_record("badge.v2", {"x": 1}) is None
    assert record_to_body({"x": 1}) == {"x": 1}
    assert set(RECORD_MODELS) == {
        "profile",
        "listing",
        "offer",
        "need",
        "follow",
        "endorse",
        "blocklist",
    }


# --- forward compatibility -----------------------------------------------------------------


def test_unknown_codes_are_kept_and_shown() -> None:
    body = copy.deepcopy(DECOUPE_LASER)
    body["category"] = "production.bois"
    body["enjeux"] = ["culture", "economie-circulaire"]
    body["conditions"]["pricing"] = "monnaie-locale"
    body["conditions"]["unit"] = "semaine"
    body["conditions"]["channel"] = "en-ligne"
    body["conditions"]["audiences"] = ["scolaires"]
    offer = validate_record("offer", body)
    assert isinstance(offer, Offer)
    assert offer.category_label == "production.bois"
    assert offer.enjeu_labels == ["Culture", "economie-circulaire"]
    assert offer.conditions is not None
    assert offer.conditions.pricing_label == "monnaie-locale"
    assert offer.conditions.unit_label == "semaine"
    assert offer.conditions.channel_label == "en-ligne"
    assert offer.conditions.audience_labels == ["scolaires"]
    assert record_to_body(offer) == body


def test_unknown_profile_codes_are_kept() -> None:
    body = {"name": "Lieu", "families": ["cuisine-partagee"], "status": "en-sommeil", "access": "x"}
    profile = validate_record("profile", body)
    assert isinstance(profile, Profile)
    assert profile.family_labels == ["cuisine-partagee"]
    assert profile.status_label == "en-sommeil"
    assert record_to_body(profile) == body


def test_extra_fields_are_kept_at_every_level() -> None:
    body = copy.deepcopy(FABLAB_PERIGUEUX)
    body["siret"] = "12345678900011"
    body["accessibility"] = {"wheelchair": True, "notes": None, "levels": [0, 1]}
    body["address"]["complement"] = "Bâtiment B"
    body["equipment"][0]["power_w"] = 80
    body["geo"]["precision"] = "commune"
    profile = validate_record("profile", body)
    assert isinstance(profile, Profile)
    assert profile.model_extra == {
        "siret": "12345678900011",
        "accessibility": {"wheelchair": True, "notes": None, "levels": [0, 1]},
    }
    assert record_to_body(profile) == body


# --- numbers: no floats --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("col", "mutate", "path"),
    [
        ("offer", lambda b: b["conditions"].update(price=25.0), "conditions.price"),
        ("offer", lambda b: b["conditions"].update(price=25), "conditions.price"),
        ("offer", lambda b: b["conditions"]["limits"].update(lead_time_days=5.0), None),
        ("offer", lambda b: b["area"].update(radius_km=50.5), "area.radius_km"),
        ("need", lambda b: b.update(quantity=500.0), "quantity"),
        ("profile", lambda b: b["geo"].update(lat=45.1846), "geo.lat"),
        ("profile", lambda b: b["equipment"][0].update(quantity=1.0), "equipment[0].quantity"),
    ],
)
def test_floats_are_rejected(col: str, mutate: Any, path: str | None) -> None:
    body = copy.deepcopy(
        {"offer": DECOUPE_LASER, "need": VISIERES, "profile": FABLAB_PERIGUEUX}[col]
    )
    mutate(body)
    with pytest.raises(ValidationError):
        parse_record(col, body)
    errors = errors_of(col, body)
    path = path or "conditions.limits.lead_time_days"
    assert path in errors
    assert "virgule" in errors[path] or "décimal" in errors[path]


def test_float_price_message_is_the_documented_one() -> None:
    body = copy.deepcopy(DECOUPE_LASER)
    body["conditions"]["price"] = 25.0
    with pytest.raises(RecordError) as caught:
        validate_record("offer", body)
    assert str(caught.value) == (
        'conditions.price : doit être un nombre décimal écrit en texte, par exemple "25.00"'
    )


def test_floats_in_extra_fields_are_rejected() -> None:
    assert errors_of("offer", {**DECOUPE_LASER, "score": 0.5}) == {
        "score": 'les nombres à virgule sont interdits : écrivez-les en texte, par exemple "25.00"'
    }
    body = copy.deepcopy(DECOUPE_LASER)
    body["conditions"]["bonus"] = {"weights": [1, 2.5]}
    assert list(errors_of("offer", body)) == ["conditions.bonus.weights[1]"]
    assert list(errors_of("offer", {**DECOUPE_LASER, "big": -(2**53)})) == ["big"]


def test_integer_bounds() -> None:
    ok = validate_record("need", {**VISIERES, "quantity": MAX_SAFE_INTEGER})
    assert isinstance(ok, Need) and ok.quantity == MAX_SAFE_INTEGER
    assert "quantity" in errors_of("need", {**VISIERES, "quantity": MAX_SAFE_INTEGER + 1})
    assert errors_of("need", {**VISIERES, "quantity": 0}) == {
        "quantity": "doit être supérieur ou égal à 1"
    }
    assert errors_of("need", {**VISIERES, "quantity": "500"}) == {
        "quantity": "doit être un nombre entier, écrit sans guillemets, par exemple 3"
    }
    assert "quantity" in errors_of("need", {**VISIERES, "quantity": True})


@pytest.mark.parametrize("price", ["25", "25.00", "0", "0.5", "1250.75"])
def test_good_decimals(price: str) -> None:
    conditions = Conditions.model_validate({"price": price})
    assert conditions.price == price


@pytest.mark.parametrize(
    "price", ["25,00", "1e3", ".5", "5.", "+5", "025", " 25", "25 €", "", "NaN", "Infinity"]
)
def test_bad_decimals(price: str) -> None:
    errors = errors_of("offer", {**DECOUPE_LASER, "conditions": {"price": price}})
    assert errors == {
        "conditions.price": 'doit être un nombre décimal écrit en texte, par exemple "25.00"'
    }


def test_negative_price_is_rejected() -> None:
    errors = errors_of("offer", {**DECOUPE_LASER, "conditions": {"price": "-5.00"}})
    assert errors == {"conditions.price": "ne doit pas être négatif"}


@pytest.mark.parametrize(
    ("lat", "lon", "bad"),
    [
        ("90.0001", "0", "geo.lat"),
        ("-91", "0", "geo.lat"),
        ("45", "180.5", "geo.lon"),
        ("45", "-181", "geo.lon"),
    ],
)
def test_coordinates_out_of_range(lat: str, lon: str, bad: str) -> None:
    errors = errors_of("profile", {"name": "Lieu", "geo": {"lat": lat, "lon": lon}})
    assert list(errors) == [bad]
    assert errors[bad].startswith("doit être compris entre -")


def test_coordinate_limits_and_negative_values_are_accepted() -> None:
    for lat, lon in [("90", "180"), ("-90", "-180"), ("44.8378", "-0.5792"), ("0", "-1.5056")]:
        assert Geo.model_validate({"lat": lat, "lon": lon}).lon == lon


# --- French error messages -----------------------------------------------------------------


def test_missing_required_fields() -> None:
    assert errors_of("offer", {"title": "Découpe laser"}) == {
        "category": "champ obligatoire manquant"
    }
    assert errors_of("profile", {}) == {"name": "champ obligatoire manquant"}
    assert errors_of("profile", {"name": "L", "geo": {"lat": "45"}}) == {
        "geo.lon": "champ obligatoire manquant"
    }


def test_record_error_text_lists_every_problem() -> None:
    body = {"title": "", "category": "Production Textile", "summary": 5}
    with pytest.raises(RecordError) as caught:
        validate_record("offer", body)
    error = caught.value
    assert isinstance(error, ValueError)
    lines = str(error).splitlines()
    assert lines[0] == "title : ne doit pas être vide"
    assert lines[1].startswith("category : doit être un code en minuscules")
    assert '"production.prototypage"' in lines[1]
    assert len(lines) == 2  # summary is an unknown member of an offer: kept, not checked


@pytest.mark.parametrize(
    ("col", "body", "path", "message"),
    [
        ("offer", {"title": "   "}, "title", "ne doit pas être vide"),
        ("offer", {"title": "x" * 201}, "title", "ne doit pas dépasser 200 caractères (ici 201)"),
        ("offer", {"title": 12}, "title", "doit être du texte (entre guillemets)"),
        ("offer", {"tags": "laser"}, "tags", "doit être une liste, entre crochets [ ]"),
        ("offer", {"tags": ["a"] * 51}, "tags", "ne doit pas contenir plus de 50 éléments"),
        (
            "offer",
            {"conditions": "gratuit"},
            "conditions",
            "doit être un objet JSON, entre accolades { }",
        ),
        ("offer", {"enjeux": ["Santé"]}, "enjeux[0]", None),
        ("offer", {"valid_until": "31/12/2025"}, "valid_until", None),
        ("offer", {"valid_until": "2025-02-30"}, "valid_until", None),
        ("offer", {"area": {"departments": ["20"]}}, "area.departments[0]", None),
        ("offer", {"area": {"radius_km": 0}}, "area.radius_km", "doit être supérieur ou égal à 1"),
        (
            "offer",
            {"conditions": {"limits": {"min_quantity": 10, "max_quantity": 5}}},
            "conditions.limits",
            None,
        ),
        (
            "offer",
            {"conditions": {"limits": {"notice_days": -1}}},
            "conditions.limits.notice_days",
            "doit être supérieur ou égal à 0",
        ),
        (
            "profile",
            {"summary": "é" * 281},
            "summary",
            "ne doit pas dépasser 280 caractères (ici 281)",
        ),
        ("profile", {"address": {"postcode": "2400"}}, "address.postcode", None),
        ("profile", {"address": {"insee_code": "2C004"}}, "address.insee_code", None),
        ("profile", {"department": "975x"}, "department", None),
        ("profile", {"region": "7"}, "region", None),
        ("profile", {"website": "fablab.fr"}, "website", None),
        ("profile", {"node_urls": ["https://ok.fr", "ftp://ko.fr"]}, "node_urls[1]", None),
        ("profile", {"contact": {"email": "contact-at-fablab"}}, "contact.email", None),
        ("profile", {"contact": {"phone": "appelez-nous"}}, "contact.phone", None),
        (
            "profile",
            {"equipment": [{"make": "Trotec"}]},
            "equipment[0].type",
            "champ obligatoire manquant",
        ),
        ("profile", {"status": ""}, "status", None),
        ("profile", {"families": [None]}, "families[0]", None),
    ],
)
def test_french_messages_name_the_field(
    col: str, body: dict[str, Any], path: str, message: str | None
) -> None:
    base = {"profile": {"name": "Lieu"}, "offer": {"title": "T", "category": "accueil.salle"}}
    errors = errors_of(col, {**base[col], **body})
    assert list(errors) == [path]
    if message is not None:
        assert errors[path] == message
    assert "Input should" not in errors[path]


def test_french_message_examples() -> None:
    errors = errors_of("profile", {"name": "Lieu", "department": "975x", "region": "7"})
    assert (
        errors["department"] == 'doit être un code de département, par exemple "24", "2A" ou "971"'
    )
    assert errors["region"] == 'doit être un code de région à 2 chiffres, par exemple "75"'
    errors = errors_of("offer", {"title": "T", "category": "x", "valid_until": "2025-02-30"})
    assert errors == {"valid_until": "n'est pas une date qui existe (format AAAA-MM-JJ)"}


def test_body_must_be_an_object() -> None:
    for body in (None, [], "profil", 3):
        with pytest.raises(RecordError) as caught:
            validate_record("profile", body)
        assert caught.value.errors == [("", "doit être un objet JSON, entre accolades { }")]


@pytest.mark.parametrize(
    "department", ["01", "19", "2A", "2B", "21", "33", "95", "971", "974", "976", "987", "988"]
)
def test_good_department_codes(department: str) -> None:
    assert validate_record("profile", {"name": "L", "department": department}) is not None


@pytest.mark.parametrize("department", ["00", "20", "96", "970", "2C", "1", "33 ", "9a"])
def test_bad_department_codes(department: str) -> None:
    assert list(errors_of("profile", {"name": "L", "department": department})) == ["department"]


def test_corsica_insee_codes() -> None:
    for insee in ("2A004", "2B033", "97411", "24322"):
        body = {"name": "L", "address": {"insee_code": insee}}
        assert validate_record("profile", body) is not None


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("col", "body"),
    [
        ("profile", FABLAB_PERIGUEUX),
        ("offer", DECOUPE_LASER),
        ("need", VISIERES),
        ("follow", {"url": "https://a.example.fr", "name": "Tiers-lieux de Dordogne"}),
    ],
)
def test_round_trip_body_model_body(col: str, body: dict[str, Any]) -> None:
    model = parse_record(col, body)
    assert model is not None
    again = record_to_body(model)
    assert again == body
    assert parse_record(col, again) == model
    rfc8785.dumps(again)  # canonicalisable: no floats anywhere


def test_record_to_body_omits_unset_fields() -> None:
    offer = Offer(title="Café réparation", category="production.reparation")
    assert record_to_body(offer) == {
        "title": "Café réparation",
        "category": "production.reparation",
    }
    explicit_none = Offer.model_validate({"title": "T", "category": "c", "valid_until": None})
    assert record_to_body(explicit_none) == {"title": "T", "category": "c"}
    empty = Offer.model_validate({"title": "T", "category": "c", "tags": [], "x": None})
    assert record_to_body(empty) == {"title": "T", "category": "c", "x": None}
    assert parse_record("offer", record_to_body(empty)) == empty


codes = st.from_regex(r"[a-z0-9]{1,8}(?:[.-][a-z0-9]{1,8}){0,2}", fullmatch=True)
decimals = st.from_regex(r"(?:0|[1-9][0-9]{0,6})(?:\.[0-9]{1,4})?", fullmatch=True)
texts = st.text(min_size=1, max_size=40).filter(str.strip)
small_ints = st.integers(0, MAX_SAFE_INTEGER)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=10))
extras = st.dictionaries(
    st.from_regex(r"x_[a-z]{1,6}", fullmatch=True),
    st.recursive(json_scalars, lambda c: st.lists(c, max_size=3), max_leaves=5),
    max_size=3,
)


@st.composite
def offer_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"title": draw(texts), "category": draw(codes)}
    optional = {
        "tags": st.lists(texts, min_size=1, max_size=5),
        "enjeux": st.lists(codes, min_size=1, max_size=4),
        "valid_until": st.dates().map(lambda d: d.isoformat()),
        "conditions": st.fixed_dictionaries(
            {},
            optional={
                "pricing": codes,
                "price": decimals,
                "unit": codes,
                "audiences": st.lists(codes, min_size=1, max_size=3),
                "limits": st.fixed_dictionaries({}, optional={"lead_time_days": small_ints}),
            },
        ),
        "area": st.fixed_dictionaries({"radius_km": st.integers(1, 500)}),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            body[key] = draw(strategy)
    body.update(draw(extras))
    return body


@settings(max_examples=200, deadline=None)
@given(offer_bodies())
def test_round_trip_generated_offers(body: dict[str, Any]) -> None:
    model = parse_record("offer", body)
    assert model is not None
    assert record_to_body(model) == body
    assert parse_record("offer", record_to_body(model)) == model


@settings(deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_ever_accepted_as_a_price_or_quantity(number: float) -> None:
    with pytest.raises(ValidationError):
        Conditions.model_validate({"price": number})
    with pytest.raises(ValidationError):
        parse_record("need", {**VISIERES, "quantity": number})
