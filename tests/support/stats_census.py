"""A node holding the 2019 census and a few records published in the test, and the counts
expected of it, computed independently of ``search.stats``: from the CSV file read with the
``csv`` module, and from the records as written here.

The node (« Recenseur ») imports the census with ``maillage import --format cget``, then
holds four other feeds: a fablab in Dordogne (a current offer, an expired one, a need), the
coworking ADE whose profile claims the census's listing 1 (an offer, an expired need), a feed
without a profile (an offer: no department), and a cultural place in Gironde (an offer, a
need). The census node follows the fablab: its network is its listings, the fablab, and ADE
through its claim.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.cli.main import main
from node.home import create_home, open_home
from tests.conftest import shared_path
from tests.support.samples import chain, key

TODAY = datetime.date(2026, 12, 2)
BASE = "https://recenseur.example"
CLAIMED_ROW = "1"  # ADE Coworking, the only listing with its website
CURRENT, PAST = "2099-12-31", "2020-01-01"


def _offer(title: str, category: str, enjeux: list[str], **more: Any) -> dict[str, Any]:
    return {"title": title, "category": category, "enjeux": enjeux, **more}


#: Each feed published in the test: (label, [(col, rid, body)]).
FEEDS: list[tuple[str, list[tuple[str, str, dict[str, Any]]]]] = [
    ("fablab", [
        ("profile", "profile", {"name": "Fablab du Périgord vert", "department": "24",
                                "region": "75", "families": ["fablab", "tiers-lieu-rural"],
                                "website": "https://fablab-perigord-vert.example"}),
        ("offer", "laser", _offer("Découpe laser", "production.prototypage",
                                  ["transition-ecologique", "emploi-insertion"],
                                  valid_until=CURRENT)),
        ("offer", "salle", _offer("Salle en 2019", "accueil.salle", ["culture"],
                                  valid_until=PAST)),
        ("need", "formateur", _offer("Un formateur Arduino", "formation.numerique",
                                     ["inclusion-numerique"], due_date=CURRENT)),
    ]),
    ("ade", [
        ("profile", "profile", {"name": "ADE", "website": "https://www.ade-coworking.net",
                                "department": "44", "region": "52", "families": ["coworking"]}),
        ("offer", "bureaux", _offer("Bureaux à la journée", "accueil.coworking",
                                    ["mobilite-teletravail"])),
        ("need", "ecrans", _offer("Des écrans", "production.reparation", ["resilience-crise"],
                                  due_date=PAST)),
    ]),
    ("sans-profil", [
        ("offer", "couture", _offer("Couture", "production.textile", [])),
    ]),
    ("gironde", [
        ("profile", "profile", {"name": "La Grange", "department": "33", "region": "75",
                                "families": ["culturel"]}),
        ("offer", "concert", _offer("Scène ouverte", "accueil.animation",
                                    ["culture", "jeunesse-education"])),
        ("need", "benevoles", _offer("Des bénévoles", "accueil.animation", ["culture"])),
    ]),
]  # fmt: skip
#: The feeds the census node follows (its network).
FOLLOWED = ("fablab",)


@dataclass(frozen=True)
class Census:
    home: Path
    did: str  # the census node's
    dids: dict[str, str]  # label → did of each feed published here
    rows: list[dict[str, str]]


def csv_path() -> Path:
    return shared_path("data", "cget-tiers-lieux-2019.csv")


def build(home: Path) -> Census:
    """The node at ``home``: the census imported by the command line, the feeds stored."""
    path = csv_path()
    with create_home(home, name="Recenseur", public_url=BASE) as node:
        did = node.key.did
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["import", "--home", str(home), "--format", "cget", str(path)]) == 0
    dids = {}
    with open_home(home) as node:
        for label, records in FEEDS:
            signer = key(f"stats-{label}")
            dids[label] = signer.did
            node.store.append(chain(signer, records))
        for label in FOLLOWED:
            body = {"url": f"https://{label}.example"}
            node.store.append_own(node.key, col="follow", rid=dids[label], body=body)
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return Census(home, did, dids, rows)


def _code(value: str) -> str:
    value = value.strip()
    return value.zfill(2) if value else ""


def items(census: Census) -> list[dict[str, Any]]:
    """Every place, current offer and open need, as plain facts."""
    out = [
        {"kind": "places", "department": _code(row["INSEEDEP"]), "region": _code(row["INSEEREG"]),
         "author": census.did, "category": "", "enjeux": [], "listing": True}
        for row in census.rows
        if row["ID"] != CLAIMED_ROW
    ]  # fmt: skip
    for label, records in FEEDS:
        profile = next((body for col, _, body in records if col == "profile"), {})
        for col, _rid, body in records:
            if body.get("valid_until", CURRENT) < TODAY.isoformat():
                continue
            if body.get("due_date", CURRENT) < TODAY.isoformat():
                continue
            out.append({
                "kind": {"profile": "places", "offer": "offers", "need": "needs"}[col],
                "department": profile.get("department", ""),
                "region": profile.get("region", ""),
                "author": census.dids[label],
                "category": body.get("category", ""),
                "enjeux": body.get("enjeux", []),
                "listing": False,
            })  # fmt: skip
    return out


def network(census: Census) -> set[str]:
    """The authors of the census node's network: itself, those it follows, and ADE (whose
    profile claims one of its listings)."""
    return {census.did, census.dids["ade"], *(census.dids[label] for label in FOLLOWED)}


def expected(census: Census, **filters: str) -> dict[str, Any]:
    """The totals and the department, category and enjeu counts under ``filters``."""
    chosen = items(census)
    if "department" in filters:
        chosen = [i for i in chosen if i["department"] == filters["department"]]
    if "region" in filters:
        chosen = [i for i in chosen if i["region"] == filters["region"]]
    if "reseau" in filters:
        members = network(census)
        chosen = [i for i in chosen if i["author"] in members]
    wanted = filters.get("category"), filters.get("enjeu")
    if wanted != (None, None):
        records = [
            i for i in chosen
            if i["kind"] != "places"
            and (wanted[0] is None or i["category"] == wanted[0]
                 or i["category"].startswith(wanted[0] + "."))
            and (wanted[1] is None or wanted[1] in i["enjeux"])
        ]  # fmt: skip
        authors = {i["author"] for i in records}
        places = [i for i in chosen if i["kind"] == "places" and not i["listing"]]
        chosen = records + [i for i in places if i["author"] in authors]
    totals = Counter(i["kind"] for i in chosen)
    by_department: dict[str, Counter[str]] = {}
    by_category: dict[str, Counter[str]] = {}
    by_enjeu: dict[str, Counter[str]] = {}
    for i in chosen:
        by_department.setdefault(i["department"], Counter())[i["kind"]] += 1
        if i["kind"] != "places":
            by_category.setdefault(i["category"], Counter())[i["kind"]] += 1
            for enjeu in i["enjeux"] or [""]:
                by_enjeu.setdefault(enjeu, Counter())[i["kind"]] += 1
    return {
        "totals": {kind: totals[kind] for kind in ("places", "offers", "needs")},
        "by_department": _plain(by_department, ("places", "offers", "needs")),
        "by_category": _plain(by_category, ("offers", "needs")),
        "by_enjeu": _plain(by_enjeu, ("offers", "needs")),
    }


def _plain(table: dict[str, Counter[str]], kinds: tuple[str, ...]) -> dict[str, dict[str, int]]:
    return {code: {k: counts[k] for k in kinds} for code, counts in table.items()}


def subset(stats: dict[str, Any]) -> dict[str, Any]:
    """What :func:`expected` gives, out of a ``/api/stats`` answer."""
    return {
        "totals": {kind: stats[kind] for kind in ("places", "offers", "needs")},
        **{name: stats[name] for name in ("by_department", "by_category", "by_enjeu")},
    }


#: The filters each test compares, alone and combined.
FILTERS: list[dict[str, str]] = [
    {},
    {"department": "24"},
    {"department": "33"},
    {"department": "44"},
    {"region": "75"},
    {"category": "production"},
    {"category": "accueil.animation"},
    {"enjeu": "culture"},
    {"department": "24", "category": "production.prototypage"},
    {"region": "75", "enjeu": "culture"},
    {"reseau": "RESEAU"},
    {"reseau": "RESEAU", "department": "24"},
]


def named(census: Census, filters: dict[str, str]) -> dict[str, str]:
    """``filters`` with the network named by the census node's did."""
    return {k: census.did if v == "RESEAU" else v for k, v in filters.items()}
