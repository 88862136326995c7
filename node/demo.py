"""``make demo``, for now: a place signs its feed, anyone verifies it.

The demonstration network (several nodes, real data, the search page) comes with the node
itself; until then this shows the signed log at work on realistic French records.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from protocol.entries import Entry, sign_entry
from protocol.keys import SigningKey, load_key, save_key
from protocol.records import validate_record
from protocol.state import fold
from protocol.stream import verify_stream
from protocol.vocabulary import CATEGORIES

RECORDS: list[tuple[str, str, dict | None]] = [
    (
        "profile",
        "profile",
        {
            "name": "La Fabrique du Périgord",
            "summary": "Fablab associatif : découpe laser, impression 3D, couture, réparation.",
            "families": ["fablab", "repair-cafe"],
            "address": {"city": "Périgueux", "postcode": "24000", "insee_code": "24322"},
            "department": "24",
            "region": "75",
            "geo": {"lat": "45.1846", "lon": "0.7214"},
            "status": "actif",
        },
    ),
    (
        "offer",
        "decoupe-laser",
        {
            "title": "Découpe laser bois et acrylique",
            "category": "production.prototypage",
            "enjeux": ["transition-ecologique"],
            "conditions": {"pricing": "tarif", "price": "25.00", "unit": "heure"},
        },
    ),
    (
        "need",
        "visieres",
        {
            "title": "Élastique pour 500 visières sous 10 jours",
            "category": "production.petite-serie",
            "enjeux": ["resilience-crise"],
            "quantity": 500,
            "unit": "mètres",
            "urgency": "haute",
        },
    ),
    ("need", "visieres", None),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        key_path = Path(home) / "key.pem"
        save_key(SigningKey.generate(), key_path)
        key = load_key(key_path)
        print(f"Identité du lieu : {key.did}\n(clé privée dans {key_path}, mode 0600)\n")
        entries: list[Entry] = []
        for col, rid, body in RECORDS:
            if body is not None:
                validate_record(col, body)
            entries.append(
                sign_entry(
                    key,
                    seq=len(entries) + 1,
                    prev=entries[-1].id if entries else None,
                    col=col,
                    rid=rid,
                    op="put" if body is not None else "del",
                    body=body,
                )
            )
        feed = b"".join(e.line + b"\n" for e in entries)
        print(f"Flux signé : {len(entries)} entrées, {len(feed)} octets (NDJSON)\n")
        print("Vérification, ligne par ligne (maillage verify) :")
        for verdict in verify_stream(io.BytesIO(feed)):
            print(f"  {verdict}")
        tampered = feed.replace(b"25.00", b"15.00")
        print("\nLe même flux, prix modifié par un intermédiaire malveillant :")
        for verdict in verify_stream(io.BytesIO(tampered)):
            print(f"  {verdict}")
        print("\nÉtat courant du lieu (la suppression a retiré le besoin) :")
        for record in fold(entries)[key.did].records.values():
            title = record.body.get("title") or record.body.get("name")
            label = (
                CATEGORIES.label(record.body.get("category", "")) if record.col != "profile" else ""
            )
            print(f"  {record.col:8} {record.rid:15} {title}" + (f" — {label}" if label else ""))
        print("\nLe réseau de démonstration (nœuds, recherche) arrive avec le nœud Maillage.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
