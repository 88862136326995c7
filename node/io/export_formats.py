"""Every export format by name, for ``maillage export --format``."""

from __future__ import annotations

from collections.abc import Iterator

from node.io.export import Export, csv_chunks, geojson_chunks
from node.io.export_columns import DELIMITERS
from node.io.export_jsonld import jsonld_chunks


def chunks(export: Export, format: str, delimiter: str = ";") -> Iterator[bytes]:
    """The bytes of ``export`` in ``format`` (one of ``node.io.export_columns.FORMATS``)."""
    if format == "csv":
        return csv_chunks(export, DELIMITERS.get(delimiter, delimiter))
    if format == "geojson":
        return geojson_chunks(export)
    if format == "jsonld":
        return jsonld_chunks(export)
    raise ValueError(f"unknown export format {format!r}")
