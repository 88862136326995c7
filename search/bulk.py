"""A faster posting pool for whoosh's segment writer, used by every index write.

whoosh's own pool (``whoosh.writing.PostingPool``) keeps each posting as a Python tuple and,
past its memory limit, pickles the postings to sorted runs on disk, one ``pickle.dump`` per
posting, then merges the runs through a heap with one ``pickle.load`` per posting: at
100,000 offers that is most of the build time, and the build slows as the index grows.

:class:`CompactPool` keeps the postings in memory, grouped by term, in flat arrays: the
document numbers and weights as machine numbers and the encoded values (positions) in one
byte string per term. A posting costs ~15 bytes instead of ~200, nothing is pickled, and
only the distinct terms are sorted at the end. Within a writer, document numbers only grow,
so each term's postings are already in order (they are sorted if they ever are not).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.fields import ID, UnknownFieldError
from whoosh.writing import SegmentWriter

_NO_VALUE = b""


class _Postings:
    """The postings of one term: parallel arrays, values concatenated."""

    __slots__ = ("docnums", "ends", "ordered", "values", "weights")

    def __init__(self) -> None:
        self.docnums = array("q")
        self.weights = array("d")
        self.ends = array("Q")
        self.values = bytearray()
        self.ordered = True

    def items(self) -> Iterator[tuple[int, float, bytes]]:
        values, start = bytes(self.values), 0
        rows = []
        for docnum, weight, end in zip(self.docnums, self.weights, self.ends, strict=True):
            rows.append((docnum, weight, values[start:end]))
            start = end
        if not self.ordered:
            rows.sort(key=lambda row: row[0])
        return iter(rows)


class CompactPool:
    """The pool interface whoosh's ``SegmentWriter`` uses: ``add``, ``iter_postings``,
    ``cleanup`` (and the ``fieldnames`` it reads)."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], _Postings] = {}
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        postings = self._terms.get(key)
        if postings is None:
            postings = self._terms[key] = _Postings()
            self.fieldnames.add(fieldname)
        elif postings.ordered and docnum < postings.docnums[-1]:
            postings.ordered = False
        postings.docnums.append(docnum)
        postings.weights.append(weight)
        if vbytes:
            postings.values += vbytes
        postings.ends.append(len(postings.values))

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes]]:
        """Every posting, in (field, term, docnum) order, as whoosh's field writer wants."""
        terms = self._terms
        for key in sorted(terms):
            fieldname, tbytes = key
            for docnum, weight, value in terms.pop(key).items():
                yield fieldname, tbytes, docnum, weight, value or _NO_VALUE

    def cleanup(self) -> None:
        self._terms.clear()


class _Lengths:
    """Field lengths read once per field into a list (whoosh reads a column per posting)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lists: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lists.get(fieldname)
        if lengths is None:
            count = self._reader.doc_count_all()
            get = self._reader.doc_field_length
            lengths = self._lists[fieldname] = [get(d, fieldname, 0) for d in range(count)]
        if 0 <= docnum < len(lengths):
            return lengths[docnum] or default
        return default

    def close(self) -> None:
        self._reader.close()


class CompactWriter(SegmentWriter):
    """whoosh's segment writer with a :class:`CompactPool`, field lengths read once, and
    :meth:`add_document` written for this project's documents.

    A field that collects words (``collects_words``: the combined text field of
    ``search.schema``) hands them over as it is indexed, and they are posted to
    ``words_field`` (the "did you mean" words), each once per writer: that field only needs
    to know that a word exists somewhere.
    """

    def __init__(self, ix: Any, words_field: str | None = None, **kwargs: Any):
        super().__init__(ix, **kwargs)
        self.pool = CompactPool()
        self._words_field = words_field
        self._words_seen: set[str] = set()
        self._fields = [(name, self.schema[name]) for name in self.schema.names()]
        self._names = frozenset(self.schema.names())

    def add_document(self, **fields: Any) -> None:
        """whoosh's ``SegmentWriter.add_document`` without what these documents never use
        (boosts, custom stored values, term vectors, spelling fields), and with the term of
        an ``ID`` field made without its analyzer (the value is the term): per document,
        whoosh's generic loop cost as much as the postings it wrote."""
        self._check_state()
        unknown = fields.keys() - self._names
        if unknown:
            raise UnknownFieldError(f"No field named {sorted(unknown)[0]!r} in {self.schema}")
        perdoc = self.perdocwriter
        docnum = self.docnum
        add_post = self.pool.add
        perdoc.start_doc(docnum)
        try:
            for name, field in self._fields:
                value = fields.get(name)
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    if type(field) is ID and isinstance(value, str):
                        boost = field.format.field_boost
                        add_post((name, value.encode("utf-8"), docnum, boost, _NO_VALUE))
                    else:
                        words: set[str] | None = None
                        if self._words_field and getattr(field, "collects_words", False):
                            words = set()
                            items = field.index(value, words=words)
                        else:
                            items = field.index(value)
                        scorable = field.scorable
                        for tbytes, freq, weight, vbytes in items:
                            if scorable:
                                length += freq
                            add_post((name, tbytes, docnum, weight, vbytes))
                        if words:
                            self._post_words(words, docnum)
                if field.stored or length:
                    perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _post_words(self, words: set[str], docnum: int) -> None:
        """Post the words this writer has not posted yet (through the field's own format:
        few words are new once a segment has seen a few hundred documents)."""
        fresh = words - self._words_seen
        if fresh:
            self._words_seen |= fresh
            add_post, name = self.pool.add, self._words_field
            for tbytes, _freq, weight, vbytes in self.schema[name].index(" ".join(fresh)):
                add_post((name, tbytes, docnum, weight, vbytes))

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = _Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


class ChunkedWriter:
    """Adds many documents to an index as segments of at most ``chunk`` documents each,
    so that a rebuild holds at most one segment's postings in memory (a 100,000-offer
    rebuild would otherwise peak at ~350 MB). Used on an index being built from scratch."""

    def __init__(self, make_writer: Callable[[], SegmentWriter], chunk: int) -> None:
        self._make_writer = make_writer
        self._chunk = chunk
        self._writer: SegmentWriter | None = None
        self._count = 0

    def add_document(self, **fields: Any) -> None:
        if self._writer is None:
            self._writer = self._make_writer()
        self._writer.add_document(**fields)
        self._count += 1
        if self._count >= self._chunk:
            self.commit()

    def commit(self) -> None:
        """Write the current segment (each chunk stays a segment of its own)."""
        if self._writer is not None:
            self._writer.commit(merge=False)
        self._writer, self._count = None, 0

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
        self._writer, self._count = None, 0
