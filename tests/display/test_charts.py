"""The server-drawn charts: well-formed XML, named, escaped, their tables the same figures;
the choropleth's classes; the dashboard's view of a plain statistics dict."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from node.display import charts, choropleth, france_map
from node.display.charts import Row
from node.web.dashboard_view import csv_link, search_link, view

SVG = "{http://www.w3.org/2000/svg}"
TODAY = datetime.date(2026, 12, 2)
HOSTILE = '<script>"&</script>'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def named(svg: ET.Element) -> tuple[str, str]:
    """The title and description an ``svg`` is labelled by (each id it names exists); an
    image unless it holds links."""
    linked = svg.find(f".//{SVG}a") is not None
    assert svg.get("role") == ("graphics-document" if linked else "img")
    title_id, desc_id = svg.get("aria-labelledby", "").split()
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    return title.text or "", desc.text or ""


def table_figures(table: ET.Element) -> dict[str, list[str]]:
    return {
        tr.find("th").text: ["".join(td.itertext()) for td in tr.findall("td")]
        for tr in table.iter("tr")
        if tr.find("th") is not None and tr.findall("td")
    }


ROWS = [
    Row(HOSTILE, (1512, 3), ("/?enjeu=x&col=offer", None)),
    Row("Culture", (0, 7), (None, "/?col=need")),
]


def test_bars_are_well_formed_named_escaped_and_linked() -> None:
    svg = parse(charts.bars("b", "Par enjeu", "Des barres", ["Offres", "Besoins"], ROWS))
    assert named(svg) == ("Par enjeu", "Des barres")
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert HOSTILE in texts and "1\u202f512" in texts and "Culture" in texts
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert links == ["/?enjeu=x&col=offer", "/?col=need"]
    assert {a.get("tabindex") for a in svg.iter(f"{SVG}a")} == {"-1"}  # the table's are focusable
    widths = [float(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("height") == "12"]
    assert widths[2:] == [580.0, pytest.approx(580 * 3 / 1512, abs=0.1), 0, pytest.approx(2.7)]
    assert "<script" not in str(charts.bars("b", HOSTILE, HOSTILE, ["x"], ROWS[:1]))


def test_a_table_holds_the_same_figures_with_their_links() -> None:
    table = parse(charts.table("Légende", ["Enjeu", "Offres", "Besoins"], ROWS))
    assert table.find("caption").text == "Légende"
    assert table_figures(table) == {HOSTILE: ["1\u202f512", "3"], "Culture": ["0", "7"]}
    assert [a.get("href") for a in table.iter("a")] == ["/?enjeu=x&col=offer", "/?col=need"]
    assert all(a.get("tabindex") is None for a in table.iter("a"))


def test_the_line_has_a_point_per_month_and_French_months() -> None:
    months = charts.month_range(["2026-11", "2026-08", "bad", "2025-13"])
    assert months == ["2026-08", "2026-09", "2026-10", "2026-11"]
    assert charts.month_label("2026-02") == "février 2026"
    assert charts.month_label("2026-08", short=True) == "août 2026"
    assert charts.month_label("n'importe") == "n'importe"
    rows = [Row(charts.month_label(m), (k, 2 * k)) for k, m in enumerate(months)]
    svg = parse(charts.line("l", "Temps", "Courbes", ["Lieux", "Offres"], rows))
    assert named(svg) == ("Temps", "Courbes")
    assert len(list(svg.iter(f"{SVG}circle"))) == 8
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    empty = parse(charts.line("e", "Vide", "Rien", ["Lieux"], []))  # no month: still a drawing
    assert named(empty) == ("Vide", "Rien") and empty.get("role") == "img"


def test_choropleth_classes_are_quantiles_spread_over_the_scale() -> None:
    assert choropleth.breaks(list(range(1, 11))) == [2, 4, 6, 8, 10]
    bounds = [2, 4, 6, 8, 10]
    assert [choropleth.class_of(v, bounds) for v in (0, 1, 2, 3, 9, 10, 99)] == [
        0,
        1,
        1,
        2,
        5,
        5,
        5,
    ]
    assert choropleth.ranges(bounds) == ["1 à 2", "3 à 4", "5 à 6", "7 à 8", "9 à 10"]
    assert choropleth.breaks([0, 1, 1, 1, 2]) == [1, 2]  # few figures, few classes
    assert choropleth.ranges([1, 2]) == ["1", "2"]
    assert [choropleth.shade(k, 2) for k in (0, 1, 2)] == [0, 3, 5]
    assert choropleth.shade(1, 1) == 5  # one class is the darkest
    assert choropleth.breaks([0, 0]) == []


def test_the_map_shades_links_and_titles_every_department() -> None:
    figures = {str(n).zfill(2): n for n in range(1, 11)} | {"24": 40, "974": 5}
    svg = parse(
        choropleth.france(
            "m",
            "Carte",
            "Desc",
            figures,
            lambda name, n: f"{name} : {n} lieux",
            lambda code: f"/?department={code}",
            "Nombre de lieux",
        )
    )
    assert named(svg) == ("Carte", "Desc")
    paths = {
        parse_qs(urlsplit(a.get("href")).query)["department"][0]: a.find(f"{SVG}path")
        for a in svg.iter(f"{SVG}a")
    }
    assert len(paths) == len(france_map.departments()) == 96
    assert paths["24"].find(f"{SVG}title").text == "Dordogne : 40 lieux"
    assert paths["2A"].find(f"{SVG}title").text == "Corse-du-Sud : 0 lieux"
    classes = {code: path.get("class").split()[1] for code, path in paths.items()}
    # 11 figures above zero on the map (974 is not on it): 1-3, 4-5, 6-7, 8-9, 10-40
    assert [classes[c] for c in ("01", "03", "04", "09", "10", "24")] == [
        "c1", "c1", "c2", "c4", "c5", "c5"
    ]  # fmt: skip
    assert classes["75"] == "c0"
    assert choropleth.overseas(figures)[-2:] == [
        ("974", "La Réunion (974)"),
        ("976", "Mayotte (976)"),
    ]


def stats(**more: Any) -> dict[str, Any]:
    return {
        "places": 12,
        "offers": 5,
        "needs": 2,
        "by_department": {"24": {"places": 10, "offers": 5, "needs": 2}, "971": {"places": 2}},
        "by_category": {"production.prototypage": {"offers": 4, "needs": 1}, "": {"offers": 1}},
        "by_enjeu": {"culture": {"offers": 2, "needs": 0}, "zz-inconnu": {"offers": 1}},
        "by_month": {"2026-10": {"places": 12}, "2026-12": {"offers": 5, "needs": 2}},
        "labels": {
            "department": {"24": "Dordogne", "971": "Guadeloupe"},
            "category": {"production.prototypage": "Prototypage", "": "non renseigné"},
            "enjeu": {"culture": "Culture"},
        },
        "covers": {"places_known": 40, "feeds": 3},
        **more,
    }


def test_the_view_links_every_figure_to_its_search_and_every_chart_to_its_csv() -> None:
    filters = {"region": "75", "enjeu": "culture", "reseau": "did:key:z6Mkx"}
    page = view(stats(), filters, TODAY)
    assert page["places_known"] == 40
    assert [(t["label"], t["count"]) for t in page["totals"]] == [
        ("Lieux", 12), ("Offres", 5), ("Besoins", 2)
    ]  # fmt: skip
    reseau = "reseau=did%3Akey%3Az6Mkx"
    assert page["totals"][1]["url"] == f"/?col=offer&region=75&enjeu=culture&{reseau}"
    assert page["totals"][0]["url"] == f"/?region=75&{reseau}"  # a place: territory, network
    by = {item["chart"].id: item for item in page["charts"]}
    assert list(by) == ["chart-enjeu", "chart-category", "chart-month", "chart-department"]
    assert by["chart-enjeu"]["csv"] == csv_link("enjeu", filters)
    assert parse_qs(urlsplit(by["chart-month"]["csv"]).query) == {
        "table": ["month"], "region": ["75"], "enjeu": ["culture"], "reseau": ["did:key:z6Mkx"]
    }  # fmt: skip
    for item in page["charts"]:
        parse(item["chart"].svg)
        parse(item["chart"].table)
    enjeux = table_figures(parse(by["chart-enjeu"]["chart"].table))
    assert enjeux == {"Culture": ["2", "0"], "zz-inconnu": ["1", "0"], "Total": ["5", "2"]}
    categories = parse(by["chart-category"]["chart"].table)
    links = [a.get("href") for a in categories.iter("a")]
    assert f"/?col=need&region=75&category=production.prototypage&enjeu=culture&{reseau}" in links
    assert table_figures(categories)["non renseigné"] == ["1", "0"]  # no link: no code
    months = table_figures(parse(by["chart-month"]["chart"].table))
    assert months == {
        "octobre 2026": ["12", "0", "0"], "novembre 2026": ["0", "0", "0"],
        "décembre 2026": ["0", "5", "2"],
    }  # fmt: skip
    departments = table_figures(parse(by["chart-department"]["chart"].table))
    assert departments["Dordogne"] == ["10", "5", "2"]
    overseas = table_figures(parse(page["overseas"]))
    assert overseas["Guadeloupe (971)"] == ["2", "0", "0"]
    assert overseas["Mayotte (976)"] == ["0", "0", "0"]


def test_the_view_reads_wrong_members_as_nothing() -> None:
    broken = {"places": "12", "by_enjeu": [], "by_department": {"24": {"places": True}}}
    page = view(broken, {}, TODAY)
    assert [t["count"] for t in page["totals"]] == [0, 0, 0]
    for item in page["charts"]:
        parse(item["chart"].svg)
    assert search_link({}, "places") == "/"
