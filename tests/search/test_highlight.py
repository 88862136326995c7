"""The snippet marks exactly the words the analyser matches (``search.highlight``)."""

from __future__ import annotations

import html
import random

from search.analysis import FastAnalyzer
from search.highlight import snippet

_FAST = FastAnalyzer()


def reference(text: str, terms: set[str], width: int = 240) -> str:
    """The extract as the analyser's spans give it, token by token (the former code)."""
    marks: list[tuple[int, int]] = []
    spans = (s for s in _FAST.iter_spans(text) if s[0] in terms)
    for _term, begin, finish in spans:
        marks.append((begin, finish))
        break
    start = 0
    if marks and marks[0][0] > width // 3:
        start = text.rfind(" ", 0, marks[0][0] - width // 4) + 1
    end = min(len(text), start + width)
    for _term, begin, finish in spans:
        if begin >= end:
            break
        marks.append((begin, finish))
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    out = ["…" if start > 0 else ""]
    cursor = start
    for begin, finish in marks:
        if begin < cursor or finish > end:
            continue
        out.append(html.escape(text[cursor:begin]))
        out.append(f"<mark>{html.escape(text[begin:finish])}</mark>")
        cursor = finish
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


WORDS = [
    "atelier",
    "Atelier",
    "ateliers",
    "l'atelier",
    "L’atelier",
    "d'ateliers",
    "aujourd'hui",
    "découpe",
    "Découpe",
    "DÉCOUPE",
    "découpes",
    "laser",
    "lasers",
    "vélo",
    "vélos",
    "Vélo",
    "le",
    "la",
    "les",
    "et",
    "de",
    "du",
    "des",
    "un",
    "une",
    "qu'il",
    "jusqu'à",
    "réparation",
    "réparations",
    "répare",
    "réparer",
    "3d",
    "imprimante-3d",
    "tiers-lieux",
    "lieu",
    "lieux",
    "<b>",
    "&",
    '"x"',
    "café",
    "cafés",
    "œuvre",
    "Œuvres",
    "naïf",
    "naïve",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "'", "’", "''", " (", ") ", "\n", "/"]


def test_snippets_equal_the_analysers_marks() -> None:
    rng = random.Random(16)
    all_terms = sorted({t for w in WORDS for t, _b, _e in _FAST.iter_spans(w)})
    for _ in range(3000):
        text = "".join(
            rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, 80))
        )
        terms = set(rng.sample(all_terms, rng.randint(0, 4)))
        width = rng.choice([240, 60, 20])
        assert snippet(text, terms, width) == reference(text, terms, width), (text, terms)
