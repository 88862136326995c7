"""French text analysis for the index: tokens, lowercase, elision, stop words, accents, stems.

``french_analyzer()`` is used for every full-text field, at indexing and at query time, so
that "Découpes au laser", "decoupe laser" and "l'atelier" / "atelier" meet. Accents are
folded *before* stemming: the stemmer then sees the same letters whether or not the person
typing used accents ("électronique" and "electronique" give one stem).
``plain_analyzer()`` does the same without stemming; it feeds the "did you mean" words.
"""

from __future__ import annotations

import re

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

#: A word, possibly with inner apostrophes ("l'atelier", "aujourd'hui"): elision comes after.
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"
#: Elided articles and pronouns: "l'", "d'", "qu'", "j'", "n'", "s'", "c'", "m'", "t'".
ELISIONS = frozenset({"l", "d", "qu", "j", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu"})
_APOSTROPHE = re.compile(r"['’]")


def fold(text: str) -> str:
    """``text`` without accents (é → e, ç → c, œ → oe…), as the index sees it."""
    return text.translate(accent_map)


#: Words that say "near" in a search ("découpe laser près de Périgueux"): the place's town,
#: department and region are words of each document, the "near" itself is none.
NEAR_WORDS = frozenset({"pres", "autour", "alentours", "environs", "vers"})
#: French stop words (articles, pronouns, auxiliaries), accents folded like the tokens.
STOP_WORDS = (
    frozenset(fold(w) for w in stopwords_for_language("fr")) | {"a", "les", "ete"} | NEAR_WORDS
)


class ElisionFilter(Filter):
    """Drop an elided article or pronoun: "l'atelier" → "atelier", "qu’il" → "il"."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            parts = _APOSTROPHE.split(token.text, maxsplit=1)
            if len(parts) == 2 and parts[0] in ELISIONS and parts[1]:
                if token.chars:
                    token.startchar += len(parts[0]) + 1
                token.text = parts[1]
            yield token


class PluralFilter(Filter):
    """Drop a plural "s" (not "ss") or the "x" of "-eux/-aux": the French stemmer keeps
    "vélos" and "vélo" apart, people do not."""

    def __call__(self, tokens):  # type: ignore[no-untyped-def]
        for token in tokens:
            text = token.text
            if len(text) > 3 and (
                (text[-1] == "s" and text[-2] != "s") or (text[-1] == "x" and text[-2] == "u")
            ):
                token.text = text[:-1]
            yield token


def french_analyzer(stem: bool = True) -> Analyzer:
    """Tokenizer, lowercase, elision, accent folding, stop words and (optionally) stems."""
    chain = (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | ElisionFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
    )
    if stem:
        chain = chain | PluralFilter() | StemFilter(lang="fr", cachesize=100_000)
    return chain


def plain_analyzer() -> Analyzer:
    """The same words, not stemmed: the vocabulary offered by "did you mean"."""
    return french_analyzer(stem=False)


_TOKEN = re.compile(TOKEN_PATTERN)
_UNSEEN = object()
#: Word forms (and stems) an analyser remembers at most (~100 bytes each).
MAX_FORMS = 200_000


class FastAnalyzer:
    """:func:`french_analyzer` as one plain function: the same terms at the same positions
    (stop words removed and positions renumbered, as whoosh's ``StopFilter`` does), several
    times faster than a chain of token generators. Used to index the combined text field;
    queries keep whoosh's chain, and ``tests/search/test_search_engine.py`` checks both agree."""

    def __init__(self) -> None:
        from whoosh.lang import stemmer_for_language

        self._stemmer = stemmer_for_language("fr")
        self._stems: dict[str, str] = {}
        #: Each word form as written → its term (or None): a corpus repeats a few thousand
        #: forms, and lowercasing, elision, folding and stop words cost more than a lookup.
        self._forms: dict[str, str | None] = {}

    def stem(self, word: str) -> str:
        """Plural then the French stemmer, cached (a word always gets the same stem)."""
        found = self._stems.get(word)
        if found is None:
            text = word
            if len(text) > 3 and (
                (text[-1] == "s" and text[-2] != "s") or (text[-1] == "x" and text[-2] == "u")
            ):
                text = text[:-1]
            found = self._stemmer(text)
            if len(self._stems) < MAX_FORMS:
                self._stems[word] = found
        return found

    def terms(
        self, text: str, state: tuple[int, int | None] = (0, None)
    ) -> tuple[list[tuple[str, int]], tuple[int, int | None]]:
        """(term, position) of every term of ``text``, and the state to pass for the text
        that follows it (tokens seen, last position given), so that parts analysed one
        after the other get the positions of their concatenation."""
        out = []
        seen, pos = state
        forms = self._forms
        for match in _TOKEN.finditer(text):
            index = seen
            seen += 1
            raw = match.group()
            term = forms.get(raw, _UNSEEN)
            if term is _UNSEEN:
                term = self._term(raw)
                if len(forms) < MAX_FORMS:
                    forms[raw] = term
            if term is None:
                continue
            pos = index if pos is None else pos + 1
            out.append((term, pos))
        return out, (seen, pos)

    def _term(self, raw: str) -> str | None:
        """The term of one word as written (None: a stop word)."""
        word = raw.lower()
        if "'" in word or "’" in word:
            parts = _APOSTROPHE.split(word, maxsplit=1)
            if parts[0] in ELISIONS and parts[1]:
                word = parts[1]
        word = word.translate(accent_map)
        if not word or word in STOP_WORDS:
            return None
        return self.stem(word)

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(term, start, end) of every term of ``text``: where to highlight it."""
        out = []
        stem = self.stem
        for match in _TOKEN.finditer(text):
            word = match.group().lower()
            start = match.start()
            if "'" in word or "’" in word:
                parts = _APOSTROPHE.split(word, maxsplit=1)
                if parts[0] in ELISIONS and parts[1]:
                    word = parts[1]
                    start += len(parts[0]) + 1
            word = word.translate(accent_map)
            if word and word not in STOP_WORDS:
                out.append((stem(word), start, match.end()))
        return out


def stems(text: str) -> list[str]:
    """The index terms of ``text`` (for tests and highlighting)."""
    return [token.text for token in french_analyzer()(text)]
