"""The generated corpus of ``bench search`` and ``bench node``, and its two indexes.

Places (departments, coordinates) publish offers whose words follow a Zipf law over a
vocabulary of a few thousand French word forms (labels of ``protocol.vocabulary`` and a few
hundred words of the tiers-lieux world, with their plural, feminine and verb forms); the
queries are 1–3 words of the frequent-but-not-stop-word band, 20 % with a department, 15 %
with a 50 km radius. The same documents go to whoosh (the project's bulk build, as a node
rebuilds its index) and to SQLite FTS5, the reference the search is measured against.
"""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import time
from itertools import accumulate
from pathlib import Path

from bench.words_fr import MORE_WORDS
from protocol import vocabulary as vocab
from protocol.state import Record
from search.bulk import ChunkedWriter
from search.documents import PlaceInfo, make_document
from search.storage import HEADS_FILE, create, save_version
from search.writing import new_writer

_BASE_TEXT = """
atelier fablab machine découpe laser impression imprimante bois métal textile couture tissu
fil aiguille réparation vélo ordinateur électronique soudure carte arduino raspberry capteur
robot programmation code logiciel libre formation initiation jeune enfant adulte senior
association commune mairie entreprise artisan agriculteur jardin potager compost semence
cuisine repas alimentation circuit court marché producteur local énergie solaire isolation
rénovation habitat chantier outil perceuse scie ponceuse fraiseuse tour cnc fraisage gravure
vinyle sérigraphie broderie patron prototype série pièce moule résine plastique recyclage
réemploi déchet récupération objet meuble mobilier design conception modélisation dessin
plan maquette architecture coworking bureau poste réunion salle accueil événement concert
exposition spectacle résidence artiste musique vidéo photo son studio radio podcast média
numérique inclusion démarche administrative accompagnement médiation tablette smartphone
internet réseau serveur donnée sauvegarde sécurité emploi insertion chômage compétence métier
apprentissage stage certification diplôme parcours tutorat mentorat bénévole salarié équipe
projet collectif coopérative gouvernance citoyen territoire rural village campagne quartier
ville transition écologie climat biodiversité eau forêt mobilité covoiturage télétravail
santé soin visière masque blouse hôpital crise urgence solidarité entraide partage prêt
location tarif gratuit prix adhésion devis échange heure journée semaine mois week-end
matin soir ouverture horaire lundi mardi mercredi jeudi vendredi samedi dimanche public
professionnel école collège lycée université recherche laboratoire science technique
ingénieur designer menuisier électricien plombier couturier graphiste développeur animateur
facilitateur médiateur formateur technicien fabmanager régisseur jardinier cuisinier
brasserie café bar épicerie boutique magasin friperie ressourcerie recyclerie bricolage
peinture céramique poterie verre cuir papier carton reliure livre bibliothèque lecture
écriture jeu ludothèque sport danse théâtre cinéma festival fête rencontre débat conférence
atelier-partagé low-tech énergie-solaire imprimante-3d découpeuse plotter brodeuse
"""
BASE_WORDS = _BASE_TEXT.split()
TAGS = ["3d", "laser", "cnc", "arduino", "couture", "vélo", "bois", "textile", "soudure"]


def vocabulary_words() -> list[str]:
    words = list(dict.fromkeys(BASE_WORDS + MORE_WORDS.split()))
    for table in vocab.VOCABULARIES.values():
        for label in table.values():
            words += [w.strip(",.()").lower() for w in label.split() if len(w) > 3]
    forms: list[str] = []
    for word in dict.fromkeys(words):
        forms += [word, word + "s"]
        if word.endswith(("é", "el", "ier", "al")):
            forms += [word + "e", word + "es"]
        if word.endswith("er"):
            stem = word[:-2]
            forms += [stem + "ement", stem + "age", stem + "eur", stem + "é", stem + "ée"]
            forms += [stem + "és", stem + "ant", stem + "ons", stem + "ez", stem + "ent"]
        elif word.endswith(("ir", "re")):
            forms += [word[:-2] + "ant", word[:-2] + "ons"]
    return list(dict.fromkeys(forms))


def make_corpus(n: int, places: int = 2_000, seed: int = 7, queries: int = 200):
    rng = random.Random(seed)
    words = vocabulary_words()
    rng.shuffle(words)
    weights = list(accumulate(1.0 / (rank + 1) ** 1.07 for rank in range(len(words))))
    cats, enjeux = list(vocab.CATEGORIES), list(vocab.ENJEUX)
    departments = [f"{d:02d}" for d in range(1, 96) if d != 20]
    place_infos = []
    for p in range(places):
        dep = rng.choice(departments)
        lat, lon = rng.uniform(42.5, 51.0), rng.uniform(-4.5, 7.5)
        name = f"{rng.choice(['Fablab', 'Atelier', 'La Fabrique', 'Tiers-lieu'])} {p}"
        place_infos.append(PlaceInfo(name, f"Commune {p % 700}", dep, "75", lat, lon))

    def text(k: int) -> str:
        return " ".join(rng.choices(words, cum_weights=weights, k=k))

    docs = []
    for i in range(n):
        place = rng.randrange(places)
        body = {
            "title": text(rng.randint(2, 6)).capitalize(),
            "description": text(rng.randint(15, 60)),
            "category": rng.choice(cats),
            "tags": rng.sample(TAGS, rng.randint(0, 3)),
            "enjeux": rng.sample(enjeux, rng.randint(0, 3)),
            "conditions": {"pricing": rng.choice(list(vocab.PRICING))},
        }
        record = Record(f"did:key:zplace{place}", "offer", f"o{i}", 1, "", body)
        docs.append((record, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z", place))
    found = []
    mid = words[5:600]
    for _ in range(queries):
        q = " ".join(rng.sample(mid, rng.choice([1, 1, 2, 2, 2, 3])))
        params = {"q": q}
        roll = rng.random()
        if roll < 0.2:
            params["department"] = rng.choice(departments)
        elif roll < 0.35:
            params["near"] = (rng.uniform(43.5, 49.5), rng.uniform(-1.0, 6.0))
            params["radius_km"] = 50.0
        found.append(params)
    return words, place_infos, docs, found


#: Documents per segment of the bulk build (the reference the ingest is compared with).
BULK_SEGMENT = 25_000


def build_whoosh(path: Path, place_infos, docs) -> float:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    start = time.perf_counter()
    ix = create(path)
    writer = ChunkedWriter(lambda: new_writer(ix), BULK_SEGMENT)
    for record, ts, place in docs:
        writer.add_document(**make_document(record, ts, place_infos[place]))
    writer.commit()
    ix.close()
    heads = {f"did:key:zplace{p}": 1 for p in range(len(place_infos))}
    (path / HEADS_FILE).write_text(json.dumps(heads))
    save_version(path)
    return time.perf_counter() - start


def build_fts(path: Path, place_infos, docs) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, description, tags, place, department "
        "UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
    )
    rows = (
        (
            r.body["title"],
            r.body["description"],
            " ".join(r.body["tags"]),
            place_infos[p].name,
            place_infos[p].department,
        )
        for r, _, p in docs
    )
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    return db


def fts_search(db: sqlite3.Connection):
    """One FTS5 search as ``bench search`` compares it: the top 20 by ``rank`` and a count."""

    def run(query: dict) -> None:
        match = " ".join(f'"{w}"' for w in query["q"].split())
        sql = "SELECT rowid FROM docs WHERE docs MATCH ?"
        args: list = [match]
        if "department" in query:
            sql += " AND department = ?"
            args.append(query["department"])
        db.execute(sql + " ORDER BY rank LIMIT 20", args).fetchall()
        db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", [match]).fetchone()

    return run
