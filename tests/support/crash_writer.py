"""Child process of the store tests: appends own entries in a loop, acknowledging each one.

    python tests/support/crash_writer.py HOME [--seed N] [--count N] [--wait] [--pause-ms MS]

Opens the node at HOME, prints ``ready``, then (after a line on stdin with ``--wait``)
appends realistic entries: new offers and needs, updates, deletions, now and then the
profile. After each :meth:`Store.append_own` returns, it prints ``ack SEQ ID`` and flushes:
an acknowledged entry is one the store promised to keep. Runs until killed, or ``--count``
entries. ``tests/e2e/test_crash.py`` kills it with SIGKILL; ``tests/store/test_store.py``
runs two at once.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from node.home import open_home

TITLES = [
    ("offer", "Découpe laser bois et acrylique", "production.prototypage"),
    ("offer", "Impression 3D PLA et PETG", "production.prototypage"),
    ("offer", "Petite série de visières", "production.petite-serie"),
    ("offer", "Repair café mensuel", "production.reparation"),
    ("offer", "Initiation Arduino pour les jeunes", "formation.initiation"),
    ("offer", "Postes de coworking à la journée", "accueil.coworking"),
    ("offer", "Atelier couture en accès libre", "production.textile"),
    ("need", "Bénévoles pour l'atelier vélo", "accueil.animation"),
    ("need", "Élastique pour 500 visières", "production.petite-serie"),
    ("need", "Tissu coton pour masques", "production.textile"),
]
WORDS = ["atelier", "machine", "bois", "découpe", "tissu", "réparation", "formation", "jeunes"]
ENJEUX = ["transition-ecologique", "resilience-crise", "jeunesse-education", "emploi-insertion"]


def body_for(rng: random.Random, col: str, title: str, category: str, n: int) -> dict:
    body = {
        "title": title,
        "category": category,
        "description": " ".join(rng.choices(WORDS, k=rng.choice([5, 50, 500, 2000]))),
        "tags": rng.sample(WORDS, 3),
        "enjeux": rng.sample(ENJEUX, rng.randint(0, 2)),
        "conditions": {
            "pricing": rng.choice(["gratuit", "prix-libre", "tarif", "devis"]),
            "price": f"{rng.randint(0, 80)}.{rng.randint(0, 99):02d}",
            "unit": rng.choice(["heure", "jour", "piece"]),
            "limits": {"lead_time_days": rng.randint(1, 30)},
        },
        "area": {"departments": ["24", "33"], "radius_km": rng.randint(5, 80)},
        "valid_until": f"2027-{rng.randint(1, 12):02d}-15",
        "revision": n,
    }
    if col == "need":
        body.update(quantity=rng.randint(1, 1000), unit="pièces", urgency="haute")
    return body


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("home", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=0, help="stop after N entries (0: never)")
    parser.add_argument("--wait", action="store_true", help="wait for a line on stdin first")
    parser.add_argument("--pause-ms", type=float, default=0, help="pause after each append")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    node = open_home(args.home)
    live: dict[tuple[str, str], tuple[str, str]] = {}  # (col, rid) -> (title, category)
    print("ready", flush=True)
    if args.wait:
        sys.stdin.readline()
    n = 0
    while args.count == 0 or n < args.count:
        n += 1
        roll = rng.random()
        if roll < 0.05:
            col, rid, op = "profile", "profile", "put"
            body = {
                "name": "La Fabrique du Périgord",
                "summary": f"Révision {n}",
                "status": "actif",
            }
        elif live and roll < 0.25:
            (col, rid), op, body = rng.choice(sorted(live)), "del", None
            del live[(col, rid)]
        elif live and roll < 0.5:
            (col, rid), op = rng.choice(sorted(live)), "put"
            body = body_for(rng, col, *live[(col, rid)], n)
        else:
            col, title, category = rng.choice(TITLES)
            rid, op = f"s{args.seed}-{n}", "put"
            live[(col, rid)] = (title, category)
            body = body_for(rng, col, title, category, n)
        entry = node.store.append_own(node.key, col=col, rid=rid, op=op, body=body)
        sys.stdout.write(f"ack {entry.seq} {entry.id}\n")
        sys.stdout.flush()
        if args.pause_ms:  # a writer that is not a tight loop lets the others in
            time.sleep(args.pause_ms / 1000)
    node.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
