"""The statistics of what a node holds: places, offers and open needs, and their breakdowns.

A pure function of the store and the index (issue 14): :func:`compute` counts on one view of
the index (``search.engine.View``) with the set algebra searches use, reading its filter
sets (collection, department, region, category, enjeu, family of place, last day) and
per-document columns (author, date), never a body. The store is read only for what the
index does not hold: a network's ``follow`` records and the number of feeds.

The rules, which the dashboard states:

- places are profiles plus unclaimed listings: a listing claimed by a place's own profile
  (``search.claims``, ``View.claimed``) counts once, through that profile;
- offers and open needs are counted while current: the expired ones
  (``search.expiry``, ``today`` passed in) are not;
- an offer or a need counts in the department and region of its place (its author's
  profile, as its search document says: ``search.documents.place_of``); a record without a
  department counts in the totals and under the code "" (« non renseigné »);
- by_month is the month of the entry that set the record (the index's ``updated``);
- a category or enjeu filter keeps the offers and needs of that category (a group code such
  as ``production`` keeps its categories) or enjeu, and the places (profiles) that publish
  one of them; a network filter (``reseau``) keeps the places the network's node follows
  or endorses (its members), its own profile and listings, and what they publish.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from protocol import vocabulary as vocab
from protocol.geography import DEPARTMENTS, REGIONS
from search import bitsets
from search.engine import View

#: The label of the code "" in every breakdown.
NOT_GIVEN = "non renseigné"
KINDS = ("places", "offers", "needs")
RECORD_KINDS = ("offers", "needs")
#: Each breakdown: its name in :meth:`Stats.to_json`, the label table of its codes, the
#: counts it has, and the French name of its code column (tables and CSV).
TABLES: Mapping[str, tuple[str, tuple[str, ...], str]] = {
    "department": ("by_department", KINDS, "Département"),
    "region": ("by_region", KINDS, "Région"),
    "category": ("by_category", RECORD_KINDS, "Catégorie"),
    "group": ("by_group", RECORD_KINDS, "Groupe de catégories"),
    "enjeu": ("by_enjeu", RECORD_KINDS, "Enjeu"),
    "family": ("by_family", ("places",), "Type de lieu"),
    "month": ("by_month", KINDS, "Mois"),
}
#: The French column names of the counts.
COUNT_NAMES = {"places": "Lieux", "offers": "Offres", "needs": "Besoins"}

Breakdown = dict[str, dict[str, int]]


@dataclass(frozen=True)
class StatsFilters:
    """The filters of a count, combinable (None: not filtered)."""

    department: str | None = None
    region: str | None = None
    category: str | None = None  # a category code, or a group code (``production``)
    enjeu: str | None = None
    reseau: str | None = None  # the did of a network's node

    def applied(self) -> dict[str, str]:
        return {name: value for name, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Network:
    """The places of a network: its node's did, and the authors it gathers."""

    did: str
    members: frozenset[str]


@dataclass(frozen=True)
class Stats:
    places: int
    offers: int
    needs: int
    by_department: Breakdown
    by_region: Breakdown
    by_category: Breakdown
    by_group: Breakdown
    by_enjeu: Breakdown
    by_family: Breakdown
    by_month: Breakdown
    labels: dict[str, dict[str, str]]
    covers: dict[str, int]
    filters: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The shape of ``GET /api/stats`` (and ``maillage stats --json``)."""
        return asdict(self)

    def rows(self, table: str) -> tuple[list[str], list[list[Any]]]:
        """The header (French) and rows of one breakdown: code, label, then each count."""
        member, kinds, title = TABLES[table]
        header = ["Code", title, *(COUNT_NAMES[k] for k in kinds)]
        labels = self.labels.get(table, {})
        counts: Breakdown = getattr(self, member)
        rows = [
            [code, labels.get(code, code or NOT_GIVEN), *(values.get(k, 0) for k in kinds)]
            for code, values in counts.items()
        ]
        return header, rows


class Reading(Protocol):
    """What :func:`compute` needs of the store (``node.store.database.Store``)."""

    def records(self, col: str | None = None, author: str | None = None) -> list[Any]: ...

    def feeds(self) -> list[Any]: ...


class ViewHolder(Protocol):
    """What :func:`compute` needs of the index (``search.index.SearchIndex``)."""

    def read_view(self, work: Callable[[View], Any]) -> Any: ...


def compute(
    store: Reading, index: ViewHolder | View, filters: StatsFilters, today: datetime.date
) -> Stats:
    """The statistics of what the node holds on ``today``, with ``filters``.

    Raises ``search.index.IndexNotReady`` while the index loads."""
    network = network_of(store, filters.reseau) if filters.reseau else None
    authors = [feed.author for feed in store.feeds()]

    def counted(view: View) -> Stats:
        hidden = view.hidden_authors  # the places this node hides (node.hidden)
        return count(view, filters, today, network, sum(a not in hidden for a in authors))

    return counted(index) if isinstance(index, View) else index.read_view(counted)


def network_of(store: Reading, did: str) -> Network:
    """The authors of the network of ``did``: itself, the feeds it follows and the places
    it endorses (the ``follow`` and ``endorse`` records of its log held here: their rids
    are the dids named)."""
    followed = {record.rid for record in store.records(col="follow", author=did)}
    return Network(did, frozenset(followed | endorsed(store, did) | {did}))


def endorsed(store: Reading, did: str) -> set[str]:
    """The places ``did`` endorses, its members (issue 15: its ``endorse`` records)."""
    return {record.rid for record in store.records(col="endorse", author=did)}


def count(
    view: View,
    filters: StatsFilters,
    today: datetime.date,
    network: Network | None = None,
    feeds: int = 0,
) -> Stats:
    """The statistics of ``view`` (see the module for the rules)."""
    masks, live = view.masks, view.live
    cols = masks["col"]
    current = live & ~view.expired(today.isoformat())
    profiles = cols.get("profile", 0) & live
    places = profiles | (cols.get("listing", 0) & live & ~view.claimed)
    known = places.bit_count()
    offers = cols.get("offer", 0) & current
    needs = cols.get("need", 0) & current
    scope = live
    if filters.department is not None:
        scope &= masks["department"].get(filters.department, 0)
    if filters.region is not None:
        scope &= masks["region"].get(filters.region, 0)
    if network is not None:
        scope &= network_bits(view, network)
    places, offers, needs = places & scope, offers & scope, needs & scope
    if filters.category is not None or filters.enjeu is not None:
        chosen = live
        if filters.category is not None:
            chosen &= category_bits(view, filters.category)
        if filters.enjeu is not None:
            chosen &= masks["enjeux"].get(filters.enjeu, 0)
        offers, needs = offers & chosen, needs & chosen
        places &= profiles & _by_authors(view, _authors(view, offers | needs))
    sets = {"places": places, "offers": offers, "needs": needs}
    records = {"offers": offers, "needs": needs}
    by_category = _breakdown(view, "category", records)
    breakdowns = {
        "department": _breakdown(view, "department", sets),
        "region": _breakdown(view, "region", sets),
        "category": by_category,
        "group": _groups(by_category),
        "enjeu": _breakdown(view, "enjeux", records),
        "family": _breakdown(view, "families", {"places": places}),
        "month": _months(view, sets),
    }
    return Stats(
        places=places.bit_count(),
        offers=offers.bit_count(),
        needs=needs.bit_count(),
        **{TABLES[name][0]: table for name, table in breakdowns.items()},
        labels={name: _labels(name, breakdowns[name]) for name in _LABELLERS},
        covers={"places_known": known, "feeds": feeds},
        filters=filters.applied(),
    )


def category_bits(view: View, code: str) -> int:
    """The documents of category ``code``, or of each category of group ``code``."""
    bits = 0
    for value, mask in view.masks["category"].items():
        if value == code or value.startswith(code + "."):
            bits |= mask
    return bits


def _authors(view: View, bits: int) -> set[str]:
    authors = view.values["author"]
    return {authors[d] for d in bitsets.to_ids(bits) if d < len(authors)}


def _by_authors(view: View, authors: Iterable[str]) -> int:
    wanted = set(authors)
    authors = view.values["author"]
    return bitsets.from_ids([d for d, a in enumerate(authors) if a in wanted], len(authors))


def network_bits(view: View, network: Network) -> int:
    """The documents of a network: its members' profiles, offers and needs, its own
    listings, and the places claiming them (with what they publish); the search's
    ``reseau`` keeps the same (``search.trust.outside``)."""
    cols, authors = view.masks["col"], view.values["author"]
    listings = cols.get("listing", 0) & _by_authors(view, [network.did])
    claimants = {
        place.author
        for listing, place in view.claims.items()
        if listing < len(authors) and authors[listing] == network.did
    }
    members = _by_authors(view, network.members | claimants)
    return (members & ~cols.get("listing", 0)) | listings


def _breakdown(view: View, name: str, sets: Mapping[str, int]) -> Breakdown:
    """For each code of filter field ``name``: the count of each set ("" for none)."""
    masks = view.masks[name]
    anything = 0
    for mask in masks.values():
        anything |= mask
    out: Breakdown = {}
    for code in sorted(masks):
        counts = {kind: (bits & masks[code]).bit_count() for kind, bits in sets.items()}
        if any(counts.values()):
            out[code] = counts
    missing = {kind: (bits & ~anything).bit_count() for kind, bits in sets.items()}
    if any(missing.values()):
        out[""] = missing
    return out


def _groups(by_category: Breakdown) -> Breakdown:
    out: Breakdown = {}
    for code, counts in by_category.items():
        group = out.setdefault(vocab.category_group(code) if code else "", {})
        for kind, number in counts.items():
            group[kind] = group.get(kind, 0) + number
    return dict(sorted(out.items(), key=lambda item: (item[0] == "", item[0])))


def _months(view: View, sets: Mapping[str, int]) -> Breakdown:
    updated = view.values["updated"]
    out: Breakdown = {}
    for kind, bits in sets.items():
        for d in bitsets.to_ids(bits):
            month = _month(updated[d] if d < len(updated) else None)
            counts = out.setdefault(month, dict.fromkeys(sets, 0))
            counts[kind] += 1
    return dict(sorted(out.items(), key=lambda item: (item[0] == "", item[0])))


def _month(ts: Any) -> str:
    """``AAAA-MM`` of an entry's ``ts``, or "" when it is not a date."""
    if not isinstance(ts, str) or len(ts) < 7 or ts[4] != "-":
        return ""
    month = ts[:7]
    return month if month[:4].isdigit() and month[5:].isdigit() else ""


_LABELLERS: Mapping[str, Callable[[str], str]] = {
    "department": lambda code: DEPARTMENTS.get(code, code),
    "region": lambda code: REGIONS.get(code, code),
    "category": vocab.CATEGORIES.label,
    "group": vocab.CATEGORY_GROUPS.label,
    "enjeu": vocab.ENJEUX.label,
    "family": vocab.FAMILIES.label,
}


def _labels(table: str, counts: Breakdown) -> dict[str, str]:
    label = _LABELLERS[table]
    return {code: label(code) if code else NOT_GIVEN for code in counts}
