"""The highlighted extract of a hit (:func:`snippet`): matched words in <mark>, all escaped.

A search highlights ~20 descriptions of tens of words. Analysing them token by token
(``FastAnalyzer.iter_spans``: a Python step per token, even in a text holding none of the
searched words) was a fifth of a search at 100,000 documents. Here the tokens of a text
are listed by the regular expression in one call, each distinct token is analysed once
for the process (its term, kept), and the tokens of each searched term are kept too: which
of a text's tokens are matches is then one set intersection, and only a text holding a
match is searched, for the matched tokens only. The marks are the same as the analyser's.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from search.analysis import TOKEN_PATTERN, FastAnalyzer

_TOKEN = re.compile(TOKEN_PATTERN)
_FAST = FastAnalyzer()
#: Distinct tokens analysed and kept; beyond, texts are analysed token by token.
MAX_TOKENS = 200_000
#: token: where its term starts in it (an elision « l' » is not marked), or -1 (a stop word)
_SKIP: dict[str, int] = {}
#: term: the tokens whose term it is
_TOKENS_OF: dict[str, set[str]] = {}
#: token: the pattern of its occurrences (:func:`_finder`)
_FINDERS: dict[str, re.Pattern[str]] = {}


def _learn(tokens: Iterable[str]) -> None:
    for token in tokens:
        spans = _FAST.spans(token)
        if spans:
            term, start, _end = spans[0]
            _SKIP[token] = start
            _TOKENS_OF.setdefault(term, set()).add(token)
        else:
            _SKIP[token] = -1


def _finder(token: str) -> re.Pattern[str]:
    """The occurrences of ``token`` as a whole token of :data:`TOKEN_PATTERN`: not after a
    word character (nor after one and an apostrophe, which the token before would hold),
    not before one (nor before an apostrophe and one)."""
    found = _FINDERS.get(token)
    if found is None:
        found = re.compile(rf"(?<!\w)(?<!\w['’]){re.escape(token)}(?!\w)(?!['’]\w)")
        if len(_FINDERS) < MAX_TOKENS:
            _FINDERS[token] = found
    return found


def _marked(text: str, terms: set[str]) -> Iterable[tuple[int, int]]:
    """(start, end) of each matched word of ``text``, in order."""
    tokens = _TOKEN.findall(text)
    new = set(tokens).difference(_SKIP)
    if new:
        if len(_SKIP) + len(new) > MAX_TOKENS:
            return [(begin, end) for term, begin, end in _FAST.iter_spans(text) if term in terms]
        _learn(new)
    wanted: set[str] = set()
    for term in terms:
        wanted |= _TOKENS_OF.get(term, wanted)
    found = wanted.intersection(tokens)
    if not found:
        return ()
    skip = _SKIP
    spans = [
        (m.start() + skip[token], m.end()) for token in found for m in _finder(token).finditer(text)
    ]
    if len(found) > 1:
        spans.sort()
    return spans


def snippet(text: str, terms: set[str], width: int = 240) -> str:
    """An HTML extract of ``text`` around its first matched word, every matched word in
    <mark>; everything else escaped."""
    marks: list[tuple[int, int]] = []
    spans = iter(_marked(text, terms)) if terms else iter(())
    for span in spans:  # the first matched word
        marks.append(span)
        break
    start = 0
    if marks and marks[0][0] > width // 3:
        start = text.rfind(" ", 0, marks[0][0] - width // 4) + 1
    end = min(len(text), start + width)
    for begin, finish in spans:  # the others, up to the end of the extract
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
