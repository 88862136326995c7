"""Expired offers and needs hidden from search by default (``expired=1`` lists them, marked),
facets counting what is listed, and the order « échéance » (``sort=due``)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from search.index import SearchIndex
from search.model import ParamError, SearchResult, parse_params
from search.storage import DOCUMENTS_VERSION, VERSION_FILE
from tests.support.search_corpus import fill, new_store

TODAY = datetime.date(2026, 12, 1)
#: (rid, col, body): what is current on TODAY and what is not
RECORDS = [
    ("old-offer", "offer", {"title": "Gravure ancienne", "valid_until": "2026-11-30"}),
    ("last-day", "offer", {"title": "Gravure du jour", "valid_until": "2026-12-01"}),
    ("no-date", "offer", {"title": "Gravure sans date"}),
    ("past-need", "need", {"title": "Gravure urgente passée", "due_date": "2026-11-20"}),
    ("soon", "need", {"title": "Gravure bientôt", "due_date": "2026-12-05", "quantity": 5}),
    ("later", "need", {"title": "Gravure plus tard", "due_date": "2027-02-01"}),
    ("whenever", "need", {"title": "Gravure un jour"}),
    ("bad-day", "need", {"title": "Gravure au jour illisible", "due_date": "2026-02-30"}),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    tmp_path: Path = tmp_path_factory.mktemp("fresh")
    store = new_store(tmp_path)
    keys, _ = fill(store)
    for n, (rid, col, body) in enumerate(RECORDS):
        full = {"category": "production.prototypage", **body}
        ts = f"2026-10-{n + 10:02d}T10:00:00Z"
        store.append_own(keys["perigueux"], col=col, rid=rid, body=full, ts=ts)
    index = SearchIndex(tmp_path / "index", store)
    yield index
    index.close()
    store.close()


def find(index: SearchIndex, today: datetime.date = TODAY, **query: str) -> SearchResult:
    return index.search(parse_params({"per_page": "100", **query}, today=today))


def rids(result: SearchResult) -> list[str]:
    return [hit.rid for hit in result.hits]


def test_expired_records_are_hidden_by_default(index):
    found = set(rids(find(index, q="gravure")))
    assert found == {"last-day", "no-date", "soon", "later", "whenever", "bad-day"}


def test_expired_1_lists_them_marked_expired(index):
    result = find(index, q="gravure", expired="1")
    assert len(result.hits) == len(RECORDS)
    marked = {hit.rid for hit in result.hits if hit.expired}
    assert marked == {"old-offer", "past-need"}


def test_the_day_is_the_callers(index):
    assert "old-offer" in rids(find(index, today=datetime.date(2026, 11, 30), q="gravure"))
    later = set(rids(find(index, today=datetime.date(2027, 1, 1), q="gravure")))
    assert later == {"no-date", "later", "whenever", "bad-day"}


def test_facets_count_what_is_listed(index):
    def count(result: SearchResult) -> int:
        return next(
            f.count for f in result.facets["category"] if f.code == "production.prototypage"
        )

    assert count(find(index, q="gravure")) == len(RECORDS) - 2
    assert count(find(index, q="gravure", expired="1")) == len(RECORDS)
    assert find(index, q="gravure").total == len(RECORDS) - 2


def test_needs_by_due_date_soonest_first_then_undated(index):
    result = find(index, col="need", sort="due")
    assert rids(result)[:2] == ["soon", "later"]
    assert set(rids(result)[2:]) == {"whenever", "bad-day", "elastique"}
    assert rids(find(index, col="need", sort="due", expired="1"))[0] == "past-need"
    # any search may be ordered by due date: the records without one come last
    mixed = rids(find(index, q="gravure", sort="due"))
    assert mixed[:2] == ["soon", "later"] and len(mixed) == 6
    pages = [find(index, q="gravure", sort="due", per_page="2", page=str(p)) for p in (1, 2, 3)]
    assert [hit.rid for page in pages for hit in page.hits] == mixed


def test_expired_is_kept_in_links_and_checked():
    params = parse_params({"q": "x", "expired": "1", "sort": "due"}, today=TODAY)
    assert params.to_query() == {"q": "x", "expired": "1", "sort": "due"}
    assert "expired" not in parse_params({"expired": "0"}, today=TODAY).to_query()
    assert parse_params({}).today is not None  # a handler's search knows its day
    with pytest.raises(ParamError) as caught:
        parse_params({"expired": "oui"})
    assert caught.value.param == "expired"


def test_an_index_of_an_earlier_version_is_rebuilt(tmp_path: Path):
    store = new_store(tmp_path)
    keys, _ = fill(store)
    body = {"title": "Gravure ancienne", "category": "production.prototypage"}
    store.append_own(
        keys["lyon"], col="offer", rid="old", body={**body, "valid_until": "2020-01-01"}
    )
    index = SearchIndex(tmp_path / "index", store)
    index.close()
    (tmp_path / "index" / VERSION_FILE).write_text(str(DOCUMENTS_VERSION - 1))
    again = SearchIndex(tmp_path / "index", store)
    try:
        assert again.rebuilt
        assert find(again, q="gravure").total == 0
        assert find(again, q="gravure", expired="1").total == 1
    finally:
        again.close()
        store.close()
