"""What ``/tableau-de-bord`` shows, from the statistics' JSON: a pure function, no I/O.

:func:`view` turns ``Stats.to_json()`` (``search.stats``) and the filters into the totals,
the charts (:mod:`node.display.charts`, :mod:`node.display.choropleth`) with their tables,
and the links: every figure leads to the search that lists the records behind it (the
search's own parameters, ``search.model.SEARCH_PARAMS``: ``col``, ``department``,
``region``, ``category``, ``enjeu``, ``reseau``: the same network, ``search.stats
.network_bits``), every chart to the CSV of its figures with the same filters
(``/api/stats.csv?table=…``).

Counts are read defensively (a missing member is 0, a wrong type is ignored): the JSON is
ours, but the codes in it come from peers.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from node.display import charts, choropleth
from node.display.charts import Chart, Row, month_label, month_range

#: The filters of the dashboard that the search understands too.
SEARCH_FILTERS = ("department", "region", "category", "enjeu", "reseau")
#: The filters that apply to places too (the search filters a place by neither category nor
#: enjeu).
PLACE_FILTERS = ("department", "region", "reseau")
CSV_PATH = "/api/stats.csv"
#: The months of the line chart, at most (the last ones).
MAX_MONTHS = 60
KIND_LABELS = {"places": "Lieux", "offers": "Offres", "needs": "Besoins"}
KIND_COLS = {"places": None, "offers": "offer", "needs": "need"}
NOT_GIVEN = "non renseigné"


def search_link(filters: Mapping[str, str], kind: str, **more: str) -> str:
    """The search listing the records of ``kind`` (places, offers, needs) behind a figure:
    the territory and network of ``filters``, their category and enjeu for offers and needs
    (a place is not filtered by them in the search), and ``more``."""
    query: dict[str, str] = {}
    col = KIND_COLS[kind]
    if col:
        query["col"] = col
    for name in SEARCH_FILTERS:
        if name in filters and (col or name in PLACE_FILTERS):
            query[name] = filters[name]
    query.update(more)
    return "/?" + urlencode(query) if query else "/"


def csv_link(table: str, filters: Mapping[str, str]) -> str:
    return f"{CSV_PATH}?{urlencode({'table': table, **filters})}"


def _counts(value: Any) -> dict[str, int]:
    """The counts of one code, each an int (anything else is 0)."""
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}


def _breakdown(stats: Mapping[str, Any], member: str) -> dict[str, dict[str, int]]:
    table = stats.get(member)
    if not isinstance(table, Mapping):
        return {}
    return {str(code): _counts(value) for code, value in table.items()}


def _label(stats: Mapping[str, Any], table: str, code: str) -> str:
    labels = stats.get("labels")
    labels = labels.get(table) if isinstance(labels, Mapping) else None
    label = labels.get(code) if isinstance(labels, Mapping) else None
    return label if isinstance(label, str) and label else (code or NOT_GIVEN)


def _rows(
    stats: Mapping[str, Any],
    table: str,
    member: str,
    kinds: tuple[str, ...],
    filters: Mapping[str, str],
    param: str,
) -> list[Row]:
    """One row per code of a breakdown, most figures first; each figure links to the search
    of its kind with ``param`` set to the code (no link for the code "": not given)."""
    rows = []
    for code, counts in _breakdown(stats, member).items():
        values = tuple(counts.get(kind, 0) for kind in kinds)
        links = tuple(
            search_link({**filters, param: code}, kind) if code else None for kind in kinds
        )
        rows.append(
            (values, _label(stats, table, code), Row(_label(stats, table, code), values, links))
        )
    rows.sort(key=lambda item: (-sum(item[0]), item[1]))
    return [row for _, _, row in rows]


def _total(stats: Mapping[str, Any], kinds: tuple[str, ...], filters: Mapping[str, str]) -> Row:
    values = tuple(_int(stats.get(kind)) for kind in kinds)
    return Row("Total", values, tuple(search_link(filters, kind) for kind in kinds))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _chart(
    chart_id: str,
    title: str,
    svg: Any,
    caption: str,
    head: list[str],
    rows: list[Row],
    total: Row | None = None,
) -> Chart:
    return Chart(chart_id, title, svg, charts.table(caption, head, rows, total=total))


def _bars_chart(
    stats: Mapping[str, Any],
    filters: Mapping[str, str],
    table: str,
    title: str,
    what: str,
) -> Chart:
    kinds = ("offers", "needs")
    rows = _rows(stats, table, f"by_{table}", kinds, filters, table)
    series = [KIND_LABELS[k] for k in kinds]
    desc = (
        f"Nombre d'offres et de besoins en cours par {what}, en barres horizontales ; "
        "les chiffres sont dans le tableau qui suit."
    )
    if not rows:
        desc = f"Aucune offre ni aucun besoin en cours à compter par {what}."
    svg = charts.bars(f"chart-{table}", title, desc, series, rows)
    head = [what.capitalize(), *series]
    return _chart(f"chart-{table}", title, svg, title, head, rows, _total(stats, kinds, filters))


def _months_chart(
    stats: Mapping[str, Any], filters: Mapping[str, str], today: datetime.date
) -> Chart:
    kinds = ("places", "offers", "needs")
    by_month = _breakdown(stats, "by_month")
    now = f"{today.year:04d}-{today.month:02d}"
    months = month_range([m for m in by_month if m and m <= now])[-MAX_MONTHS:]
    rows = [
        Row(
            month_label(m),
            tuple(by_month.get(m, {}).get(kind, 0) for kind in kinds),
            tuple(search_link(filters, kind, sort="recent") for kind in kinds),
        )
        for m in months
    ]
    series = [KIND_LABELS[k] for k in kinds]
    title = "Publications par mois"
    desc = (
        "Nombre de lieux, d'offres et de besoins par mois de leur dernière publication, en "
        "courbes ; les chiffres sont dans le tableau qui suit."
    )
    ticks = [month_label(m, short=True) for m in months]
    svg = charts.line("chart-month", title, desc, series, rows, ticks)
    return _chart("chart-month", title, svg, title, ["Mois", *series], rows)


def _map_chart(stats: Mapping[str, Any], filters: Mapping[str, str]) -> dict[str, Any]:
    kinds = ("places", "offers", "needs")
    by_department = _breakdown(stats, "by_department")
    places = {code: counts.get("places", 0) for code, counts in by_department.items()}
    title = "Lieux par département"
    desc = (
        "Carte de France métropolitaine : chaque département est d'autant plus foncé qu'il "
        "compte de lieux ; les chiffres de chaque département sont dans le tableau qui suit."
    )

    def tooltip(name: str, value: int) -> str:
        return f"{name} : {charts.number(value)} lieu{'x' if value > 1 else ''}"

    svg = choropleth.france(
        "chart-department",
        title,
        desc,
        places,
        tooltip,
        lambda code: search_link({**filters, "department": code}, "places"),
        "Nombre de lieux",
    )
    rows = _rows(stats, "department", "by_department", kinds, filters, "department")
    head = ["Département", *(KIND_LABELS[k] for k in kinds)]
    chart = _chart("chart-department", title, svg, title, head, rows, _total(stats, kinds, filters))
    apart = [
        Row(
            name,
            tuple(by_department.get(code, {}).get(kind, 0) for kind in kinds),
            tuple(search_link({**filters, "department": code}, kind) for kind in kinds),
        )
        for code, name in choropleth.overseas(by_department)
        if code
    ]
    overseas = charts.table("Outre-mer (hors de la carte)", head, apart)
    return {"chart": chart, "overseas": overseas}


def view(
    stats: Mapping[str, Any], filters: Mapping[str, str], today: datetime.date
) -> dict[str, Any]:
    """The dashboard's figures and charts (see the module); ``filters``: those applied, by
    parameter name (``department``, ``region``, ``category``, ``enjeu``, ``reseau``)."""
    covers = stats.get("covers")
    known = _int(covers.get("places_known")) if isinstance(covers, Mapping) else 0
    totals = [
        {
            "label": KIND_LABELS[kind],
            "count": _int(stats.get(kind)),
            "url": search_link(filters, kind),
        }
        for kind in ("places", "offers", "needs")
    ]
    department = _map_chart(stats, filters)
    sections = [
        (_bars_chart(stats, filters, "enjeu", "Offres et besoins par enjeu", "enjeu"), "enjeu"),
        (
            _bars_chart(stats, filters, "category", "Offres et besoins par catégorie", "catégorie"),
            "category",
        ),
        (_months_chart(stats, filters, today), "month"),
        (department["chart"], "department"),
    ]
    return {
        "totals": totals,
        "places_known": known,
        "charts": [
            {"chart": chart, "csv": csv_link(table, filters), "map": table == "department"}
            for chart, table in sections
        ],
        "overseas": department["overseas"],
        "attribution": choropleth.ATTRIBUTION,
    }
