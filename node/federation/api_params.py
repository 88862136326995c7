"""The parameters of the feed API and of push, declared once (``search.params.Param``).

Read by the handlers (``feed_routes``, ``inbox``, ``subscriptions``) and written in the API
description by ``node/web/openapi.py``: a value the description allows is read, a value it
forbids is refused (400), so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from node.settings import Settings
from search.params import Param

MAX_SEQ = 2**53 - 1
MAX_FEEDS = 1000
#: The fields a subscription form may hold: every feed, and a few more.
MAX_FORM_FIELDS = MAX_FEEDS + 100
MAX_CALLBACK_LENGTH = 2000
MAX_CHALLENGE = 200
#: The longest lease a request may name (it is then clamped to the node's own longest).
MAX_LEASE = 2**31 - 1
MODES = ("subscribe", "unsubscribe")

#: Every Ed25519 did:key: ``did:key:z6Mk`` and 44 base58btc characters (protocol/SPEC.md §2.2).
DID_PATTERN = "did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_PCHAR = "[A-Za-z0-9._~!$&'()*+,;=:@%/-]"
_HOST = f"{_LABEL}(?:\\.{_LABEL}){{0,8}}\\.?|\\[[0-9A-Fa-f.]{{0,40}}:[0-9A-Fa-f:.]{{1,44}}\\]"
#: An absolute http(s) URL: a host name, an IPv4 or IPv6 address, maybe a port, a path and
#: a query; no credentials, no fragment.
CALLBACK_PATTERN = f"https?://(?:{_HOST})(?::{_PORT})?(?:/{_PCHAR}*)?(?:\\?(?:{_PCHAR}|\\?)*)?"

DID = Param(
    "did",
    "Identifiant du flux : le did:key Ed25519 de son auteur",
    location="path",
    pattern=DID_PATTERN,
    expected="identifiant de flux invalide : attendu un did:key Ed25519 (did:key:z6Mk…)",
)
AFTER = Param(
    "after",
    "Les entrées après ce seq (0 : depuis le début)",
    type="integer",
    minimum=0,
    maximum=MAX_SEQ,
    default=0,
)


def limit(settings: Settings) -> Param:
    """``limit``: its range is the node's (``page_max``)."""
    return Param(
        "limit",
        f"Nombre maximal d'entrées de la page, de 1 à {settings.page_max}",
        type="integer",
        minimum=1,
        maximum=settings.page_max,
        default=settings.page_default,
    )


def entries_params(settings: Settings) -> tuple[Param, ...]:
    """The parameters of ``GET /feeds/{did}/entries``."""
    return (DID, AFTER, limit(settings))


TOKEN = Param(
    "token",
    "Jeton de l'abonnement, donné par ce nœud dans l'adresse de rappel",
    location="path",
    pattern="[A-Za-z0-9_-]{1,64}",
    expected="jeton invalide",
)
MODE = Param(
    "mode",
    "Ce que le nœud suivi vérifie : l'abonnement ou le désabonnement demandé",
    required=True,
    enum=MODES,
    expected="mode doit valoir « subscribe » ou « unsubscribe »",
)
CHALLENGE = Param(
    "challenge",
    "Défi à renvoyer tel quel (corps de la réponse)",
    required=True,
    min_length=1,
    max_length=MAX_CHALLENGE,
    expected=f"paramètre challenge absent ou trop long (1 à {MAX_CHALLENGE} caractères)",
)
LEASE = Param(
    "lease_seconds",
    "Durée de l'abonnement accordée, en secondes",
    type="integer",
    minimum=1,
    maximum=MAX_LEASE,
    expected="lease_seconds doit être un nombre entier positif",
)
#: The query of ``GET /inbox/callback/{token}`` (the intent check of a node followed).
CHALLENGE_PARAMS = (TOKEN, MODE, CHALLENGE, LEASE)

#: The fields of a subscription request (``POST /inbox``, JSON or form).
CALLBACK = Param(
    "callback",
    "Adresse http(s) complète où envoyer les entrées (sans identifiants ni fragment)",
    required=True,
    pattern=CALLBACK_PATTERN,
    max_length=MAX_CALLBACK_LENGTH,
    expected="callback doit être une adresse http(s) complète",
)


#: The fields of a subscription form: any other is refused (a JSON request may hold more,
#: for the versions to come; a form is typed by hand).
FORM_FIELDS = frozenset({"mode", "callback", "feeds", "lease_seconds"})


def form_subscription_schema() -> dict[str, Any]:
    """A subscription request as a form: the same fields, and no other."""
    return {**subscription_schema(), "additionalProperties": False}


def subscription_schema() -> dict[str, Any]:
    """The JSON Schema of a subscription request, from the same rules the inbox reads it
    with (``node.federation.inbox.parse_subscription``)."""
    did = {"type": "string", "pattern": f"^(?:{DID_PATTERN})$"}
    return {
        "type": "object",
        "description": "Demande d'abonnement (ou de désabonnement) aux envois de ce nœud",
        "required": ["mode", "callback"],
        "properties": {
            "mode": {**MODE.schema(), "description": "subscribe ou unsubscribe"},
            "callback": {**CALLBACK.schema(), "description": CALLBACK.description},
            "feeds": {
                "type": "array",
                "items": did,
                "maxItems": MAX_FEEDS,
                "description": "Les flux voulus ; aucun : le flux de ce nœud (abonnement) ou "
                "tous (désabonnement)",
            },
            "lease_seconds": {
                **LEASE.schema(),
                "description": "Durée voulue, en secondes (ramenée à la plus longue que le "
                "nœud accorde ; absente : celle-ci)",
            },
        },
    }
