"""Every export format by name, for ``maillage export --format``."""

from __future__ import annotations

from collections.abc import Iterator

from node.io.export import Export, csv_chunks, geojson_chunks
from node.io.export_columns import COLUMN_NAMES, DELIMITERS, FLAT_COLUMN_NAMES
from node.io.export_jsonld import jsonld_chunks


def chunks(
    export: Export, format: str, delimiter: str = ";", *, body: bool = True
) -> Iterator[bytes]:
    """The bytes of ``export`` in ``format`` (one of ``node.io.export_columns.FORMATS``);
    ``body=False`` leaves the JSON column ``body`` out of the CSV and quotes every cell, so
    that tools which guess the separator (csvkit, pandas) find it."""
    if format == "csv":
        columns = COLUMN_NAMES if body else FLAT_COLUMN_NAMES
        return csv_chunks(export, DELIMITERS.get(delimiter, delimiter), columns, quote_all=not body)
    if format == "geojson":
        return geojson_chunks(export)
    if format == "jsonld":
        return jsonld_chunks(export)
    raise ValueError(f"unknown export format {format!r}")
