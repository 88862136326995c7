"""French text analysis for the index: tokens, lowercase, elision, stop words, accents, stems.

``french_analyzer()`` is used for every full-text field, at indexing and at query time, so
that "Découpes au laser", "decoupe laser" and "l'atelier" / "atelier" meet. Accents are
folded *before* stemming: the stemmer then sees the same letters whether or not the person
typing used accents ("électronique" and "electronique" give one stem).
``plain_analyzer()`` does the same without stemming; it feeds the "did you mean" words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
        #: Each token as written → its term (None: a stop word), where the term starts in it
        #: and its unstemmed words: a corpus repeats a few thousand forms, and lowering,
        #: elision, folding and stemming cost more than a lookup (indexing and highlighting).
        self._tokens: dict[str, tuple[str | None, int, tuple[str, ...]]] = {}

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
        self,
        text: str,
        state: tuple[int, int | None] = (0, None),
        words: set[str] | None = None,
    ) -> tuple[list[tuple[str, int]], tuple[int, int | None]]:
        """(term, position) of every term of ``text``, and the state to pass for the text
        that follows it (tokens seen, last position given), so that parts analysed one
        after the other get the positions of their concatenation. With ``words``, the
        words of the terms, folded but not stemmed (:meth:`_token`), are added to it."""
        out = []
        seen, pos = state
        tokens = self._tokens
        for match in _TOKEN.finditer(text):
            index = seen
            seen += 1
            token = match.group()
            known = tokens.get(token)
            if known is None:
                known = self._token(token)
                if len(tokens) < MAX_FORMS:
                    tokens[token] = known
            term = known[0]
            if term is None:
                continue
            pos = index if pos is None else pos + 1
            out.append((term, pos))
            if words is not None:
                words.update(known[2])
        return out, (seen, pos)

    def spans(self, text: str) -> list[tuple[str, int, int]]:
        """(term, start, end) of every term of ``text``: where to highlight it."""
        return list(self.iter_spans(text))

    def iter_spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        """:meth:`spans` one by one, so that a snippet stops reading at its end.

        Each distinct token is analysed once and kept (its term, or None for a stop word,
        and where the term starts in it): a search highlights ~20 descriptions of tens of
        words, and lowering, folding and stemming each token again was a third of the time
        of a search at 100,000 documents."""
        tokens = self._tokens
        for match in _TOKEN.finditer(text):
            token = match.group()
            known = tokens.get(token)
            if known is None:
                known = self._token(token)
                if len(tokens) < MAX_FORMS:
                    tokens[token] = known
            term, skip, _words = known
            if term is not None:
                yield term, match.start() + skip, match.end()

    def _token(self, token: str) -> tuple[str | None, int, tuple[str, ...]]:
        """The term of one token (None for a stop word), where it starts in it, and its
        words as the « did you mean » vocabulary keeps them: folded, not stemmed, split at
        inner apostrophes ("aujourd'hui": "aujourd", "hui"), as a query's words are."""
        word = token.lower()
        skip = 0
        if "'" in word or "’" in word:
            parts = _APOSTROPHE.split(word, maxsplit=1)
            if parts[0] in ELISIONS and parts[1]:
                word = parts[1]
                skip = len(parts[0]) + 1
        word = word.translate(accent_map)
        if not word or word in STOP_WORDS:
            return None, 0, ()
        if "'" in word or "’" in word:
            words = tuple(w for w in _APOSTROPHE.split(word) if w and w not in STOP_WORDS)
        else:
            words = (word,)
        return self.stem(word), skip, words


def stems(text: str) -> list[str]:
    """The index terms of ``text`` (for tests and highlighting)."""
    return [token.text for token in french_analyzer()(text)]
