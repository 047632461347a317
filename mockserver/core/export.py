"""A ledger written out whole, newest first: the bytes of ``ledger-mock export``.

One implementation for every door: the CLI writes ``write_export`` to stdout or
a file, the console streams ``export_text`` as a download, so the two can only
differ if this module does. The filter means what the endpoint's does (the
query engine's ``select``, page after page), and the text is the same whatever
the locale (callers encode it as UTF-8).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, Literal, Protocol, get_args

import orjson

from .errors import SettingError
from .ledger import Ledger
from .query import Query, select
from .rendering import render_entry

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMATS",
    "ExportFormat",
    "TextSink",
    "export_entries",
    "export_text",
    "export_total",
    "write_export",
]

ExportFormat = Literal["csv", "json", "ndjson"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
CSV_COLUMNS = ("created_at", "kind", "amount_usd", "balance_after_usd")
_CHUNK = 1000  # entries selected at a time: a page of the query engine, bounded memory


class TextSink(Protocol):
    def write(self, text: str, /) -> int: ...


def export_entries(ledger: Ledger, query: Query) -> Iterator[dict[str, Any]]:
    """Every entry ``query``'s filter keeps (its page fields are ignored), newest first."""
    page = 1
    while True:
        chunk = select(
            ledger,
            Query(
                page=page, page_size=_CHUNK, kind=query.kind, since=query.since, until=query.until
            ),
        )
        for position in chunk.positions:
            yield render_entry(ledger, int(position))
        if page * _CHUNK >= chunk.total:
            return
        page += 1


def export_total(ledger: Ledger, query: Query) -> int:
    """How many entries ``export_entries`` yields (a progress bar's length)."""
    return select(
        ledger, Query(page_size=1, kind=query.kind, since=query.since, until=query.until)
    ).total


class _Pieces:
    """A sink that keeps what is written, for ``csv.writer`` to write into."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def write(self, text: str, /) -> int:
        self.pieces.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.pieces)
        self.pieces.clear()
        return text


def export_text(
    entries: Iterator[dict[str, Any]], fmt: ExportFormat | str, *, batch: int = _CHUNK
) -> Iterator[str]:
    """The export of ``entries`` in ``fmt``, as pieces of text (one per ``batch`` entries).

    ``SettingError`` (a ``ValueError``, ``param`` ``"format"``) for an unknown format,
    before anything is produced.
    """
    if fmt not in EXPORT_FORMATS:
        raise SettingError(
            f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})", param="format"
        )
    return _pieces(entries, fmt, batch)


def _pieces(entries: Iterator[dict[str, Any]], fmt: str, batch: int) -> Iterator[str]:
    sink = _Pieces()
    if fmt == "csv":
        writer = csv.writer(sink, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
    elif fmt == "json":
        sink.write("[")
    for index, entry in enumerate(entries):
        if fmt == "csv":
            writer.writerow(
                [
                    entry["created_at"],
                    entry["kind"],
                    f"{entry['amount_usd']:.2f}",
                    f"{entry['balance_after_usd']:.2f}",
                ]
            )
        elif fmt == "ndjson":
            sink.write(orjson.dumps(entry).decode() + "\n")
        else:
            sink.write(("," if index else "") + orjson.dumps(entry).decode())
        if index % batch == batch - 1:
            yield sink.take()
    if fmt == "json":
        sink.write("]\n")
    rest = sink.take()
    if rest:
        yield rest


def write_export(entries: Iterator[dict[str, Any]], fmt: ExportFormat | str, out: TextSink) -> None:
    """Write the export of ``entries`` in ``fmt`` to ``out`` (text; the caller encodes it)."""
    for piece in export_text(entries, fmt):
        out.write(piece)
