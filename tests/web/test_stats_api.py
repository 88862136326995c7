"""``GET /api/stats`` and ``/api/stats.csv`` on a node holding the 2019 census and records
published in the test: the counts computed independently (``tests/support/stats_census``),
every department, with and without filters; bad filters are JSON 400s in French."""

from __future__ import annotations

import csv
import io

import pytest

from node.home import open_home
from node.web import stats_api
from tests.support import stats_census
from tests.support.http_servers import serve
from tests.support.stats_census import FILTERS, TODAY, Census, expected, named, subset


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Census:
    return stats_census.build(tmp_path_factory.mktemp("stats-api") / "recenseur")


@pytest.fixture
async def client(census: Census, monkeypatch):
    monkeypatch.setattr(stats_api, "today", lambda: TODAY)
    with open_home(census.home) as node:
        settings = node.settings
    client = await serve(settings)
    yield client
    await client.close()


async def test_the_counts_with_and_without_filters(census: Census, client):
    for filters in FILTERS:
        asked = named(census, filters)
        response = await client.get("/api/stats", params=asked)
        assert response.status == 200, (asked, await response.text())
        data = await response.json()
        assert subset(data) == expected(census, **asked), asked
        assert data["filters"] == asked
    departments = {stats_census._code(row["INSEEDEP"]) for row in census.rows}
    data = await (await client.get("/api/stats")).json()
    assert set(data["by_department"]) == departments | {""}
    assert data["labels"]["department"]["2A"] == "Corse-du-Sud"
    assert data["covers"]["places_known"] == data["places"]


async def test_an_empty_filter_is_no_filter_and_answers_are_cached(client):
    first = await client.get("/api/stats", params={"department": "", "category": ""})
    assert first.status == 200 and (await first.json())["filters"] == {}
    again = await client.get(
        "/api/stats", params={"department": "", "category": ""},
        headers={"If-None-Match": first.headers["ETag"]},
    )  # fmt: skip
    assert again.status == 304


@pytest.mark.parametrize(
    "query",
    [
        {"department": "Dordogne"},
        {"region": "7"},
        {"category": "Production"},
        {"enjeu": "a b"},
        {"reseau": "did:key:nope"},
        {"department": ["24", "33"]},
    ],
)
async def test_a_bad_filter_is_a_json_400_in_french(client, query):
    params = [
        (k, v)
        for k, values in query.items()
        for v in ([values] if isinstance(values, str) else values)
    ]
    for path in ("/api/stats", "/api/stats.csv?table=department"):
        response = await client.get(path, params=params)
        assert response.status == 400
        data = await response.json()
        assert data["error"] == "bad-parameter"
        assert data["message"].startswith(next(iter(query)) + " : ")


async def test_a_csv_of_each_table(census: Census, client):
    stats = await (await client.get("/api/stats", params={"region": "75"})).json()
    for table, member in {
        "department": "by_department", "region": "by_region", "category": "by_category",
        "group": "by_group", "enjeu": "by_enjeu", "family": "by_family", "month": "by_month",
    }.items():  # fmt: skip
        response = await client.get("/api/stats.csv", params={"table": table, "region": "75"})
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="statistiques-')
        assert disposition.endswith('-75.csv"')
        text = (await response.read()).decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
        header, body = rows[0], rows[1:]
        assert header[0] == "Code"
        assert {row[0] for row in body} == set(stats[member])
        names = header[2:]
        for row in body:
            counts = stats[member][row[0]]
            assert [int(n) for n in row[2:]] == list(counts.values()), (table, row)
        assert len(names) == len(next(iter(stats[member].values())))
    text = (await (await client.get("/api/stats.csv?table=department")).read()).decode()
    assert "24;Dordogne;9;1;1\r\n" in text
    assert ";non renseigné;0;1;0\r\n" in text
    assert text.splitlines()[0] == "\ufeffCode;Département;Lieux;Offres;Besoins"


async def test_the_csv_needs_its_table(client):
    for query in ({}, {"table": "commune"}):
        response = await client.get("/api/stats.csv", params=query)
        assert response.status == 400
        assert (await response.json())["message"].startswith("table : ")
