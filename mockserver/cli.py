"""``ledger-mock``: serve the mock, list its keys, export a ledger, check an implementation.

Every mistake on the command line is one line on stderr and exit status 2.
"""

from __future__ import annotations

import csv
import gc
import importlib
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TextIO

import click
import orjson

from .app import API_PREFIX, EXTENSION, create_app
from .config import ConfigError, MockConfig, builtin_config, key_table, load_config
from .kinds import KINDS
from .notes import prime as prime_notes
from .query import Query, select
from .rendering import render_entry
from .store import KeyStatus, LedgerStore
from .timestamps import TimestampError, parse_instant

__all__ = ["cli", "main"]

_CSV_COLUMNS = ("created_at", "kind", "amount_usd", "balance_after_usd")
_EXPORT_CHUNK = 1000


class _LazyGroup(click.Group):
    """Subcommands imported on use, so ``serve`` never pays for the contract suite."""

    lazy: ClassVar[dict[str, str]] = {"check": "contract_tests.cli:check"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, name)


def _config(config_path: Path | None, seed: int | None) -> MockConfig:
    try:
        config = load_config(config_path) if config_path is not None else builtin_config()
    except ConfigError as error:
        raise click.UsageError(f"bad --config: {error}") from None
    return config.with_seed(seed) if seed is not None else config


_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML file of accounts, keys, scenarios, seed and now (default: built-in test keys).",
)
_seed_option = click.option("--seed", type=int, help="Override the configuration's seed.")


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Offline twin of the BytesPike billing ledger API."""


def _key_rows(store: LedgerStore) -> list[tuple[str, str, str, str, str]]:
    return [(r.key, r.account, r.scenario, str(r.size), r.status) for r in key_table(store.config)]


def _print_keys(store: LedgerStore, out: TextIO) -> None:
    rows = [("KEY", "ACCOUNT", "SCENARIO", "ENTRIES", "STATUS"), *_key_rows(store)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
        out.write("\n")


def _check_bindable(host: str, port: int) -> None:
    """Refuse an address that cannot be served, in one line, before any server starts.

    Servers report a busy port or an unknown host as log lines and retries; a
    trial bind here turns both into a usage error (port 0 always binds).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise click.BadParameter(f"cannot resolve {host!r}: {error}", param_hint="--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as trial:
        trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            trial.bind(address)
        except OSError as error:
            raise click.BadParameter(
                f"cannot listen on {host}:{port}: {error.strerror}", param_hint="--host/--port"
            ) from None


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to bind; 0 picks a free one (printed on the first line).",
)
@_config_option
@_seed_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; every worker serves identical bytes.",
)
@click.option(
    "--enable-control",
    is_flag=True,
    help="Serve the /__mock/ control API (journal, faults, drift); needs --workers 1.",
)
@click.option(
    "--page-cache-mb",
    default=32,
    show_default=True,
    type=click.IntRange(0, 4096),
    help="Per-worker cache of whole answers, in MiB (0: off). Answers are deterministic.",
)
@click.option(
    "--cache-stats",
    is_flag=True,
    help="On shutdown, each worker writes its cache hit rates to stderr.",
)
@click.option(
    "--server",
    type=click.Choice(["uvicorn", "gunicorn", "granian"]),
    default=None,
    help="HTTP server [default: uvicorn; gunicorn with --enable-control]. uvicorn runs "
    "under gunicorn's process manager; gunicorn alone uses a thread per request; "
    "granian (extra 'fast') is faster, but answers malformed HTTP with its own empty "
    "400 instead of the JSON envelope.",
)
def serve(
    host: str,
    port: int,
    config_path: Path | None,
    seed: int | None,
    workers: int,
    enable_control: bool,
    page_cache_mb: int,
    cache_stats: bool,
    server: str | None,
) -> None:
    """Serve the mock; the first line of output is its base URL."""
    from .serving import CONTROL_SERVER, DEFAULT_SERVER, FAST_EXTRA_HINT, server_available
    from .serving import serve as run_server

    if enable_control and workers != 1:
        raise click.UsageError("--enable-control keeps its state in one process: use --workers 1")
    if enable_control and server not in (None, CONTROL_SERVER):
        raise click.UsageError(
            f"--enable-control runs on --server {CONTROL_SERVER} (faults sleep and drop "
            f"connections per request): leave out --server {server}"
        )
    server = server or (CONTROL_SERVER if enable_control else DEFAULT_SERVER)
    if not server_available(server):
        raise click.UsageError(f"--server {server} is not installed: {FAST_EXTRA_HINT}")
    _check_bindable(host, port)
    app = create_app(
        _config(config_path, seed),
        control=enable_control,
        page_cache_bytes=page_cache_mb * 1024 * 1024,
    )
    store: LedgerStore = app.extensions[EXTENSION]
    store.warm(max_size=100_000)

    def ready(bound_host: str, bound_port: int) -> None:
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        sys.stdout.write(f"http://{shown}:{bound_port}{API_PREFIX}\n")
        _print_keys(store, sys.stdout)
        sys.stdout.flush()
        prime_notes()  # in the parent, before workers fork, so they share it
        # What the workers inherit is never scanned by the cyclic GC again: no pass over
        # it in a request's time, and its pages stay shared (A/B: 1.04x req/s, p99 -7%).
        gc.freeze()

    run_server(
        app,
        host=host,
        port=port,
        workers=workers,
        server=server,
        on_ready=ready,
        cache_stats=cache_stats,
    )


@cli.command()
@_config_option
@_seed_option
def keys(config_path: Path | None, seed: int | None) -> None:
    """List the keys, their accounts and scenarios."""
    _print_keys(LedgerStore(_config(config_path, seed)), sys.stdout)


def _instant(name: str, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except TimestampError as error:
        raise click.BadParameter(str(error), param_hint=f"--{name}") from None


def _entries(store: LedgerStore, account: str, query: Query) -> Iterator[dict[str, Any]]:
    ledger = store.ledger(account)
    page = 1
    while True:
        chunk = select(
            ledger,
            Query(
                page=page,
                page_size=_EXPORT_CHUNK,
                kind=query.kind,
                since=query.since,
                until=query.until,
            ),
        )
        for position in chunk.positions:
            yield render_entry(ledger, int(position))
        if page * _EXPORT_CHUNK >= chunk.total:
            return
        page += 1


def _write(entries: Iterator[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_CSV_COLUMNS)
        for entry in entries:
            writer.writerow(
                [
                    entry["created_at"],
                    entry["kind"],
                    f"{entry['amount_usd']:.2f}",
                    f"{entry['balance_after_usd']:.2f}",
                ]
            )
    elif fmt == "ndjson":
        for entry in entries:
            out.write(orjson.dumps(entry).decode() + "\n")
    else:
        out.write("[")
        for index, entry in enumerate(entries):
            out.write(("," if index else "") + orjson.dumps(entry).decode())
        out.write("]\n")


@cli.command()
@click.option("--key", required=True, help="API key whose ledger to export.")
@click.option("--kind", type=click.Choice(KINDS), help="Only entries of this kind.")
@click.option("--since", help="Only entries at or after this instant (RFC 3339 or YYYY-MM-DD).")
@click.option("--until", help="Only entries strictly before this instant.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "ndjson"]),
    default="csv",
    show_default=True,
    help="Output format (CSV columns as in the docs example).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to this file (with a progress bar) instead of stdout.",
)
@_config_option
@_seed_option
def export(
    key: str,
    kind: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    output: Path | None,
    config_path: Path | None,
    seed: int | None,
) -> None:
    """Write a ledger, newest first, with the endpoint's filter semantics."""
    store = LedgerStore(_config(config_path, seed))
    status, account = store.key_status(key)
    if status is not KeyStatus.ACTIVE or account is None:
        raise click.BadParameter(f"{status.value} key; run 'ledger-mock keys'", param_hint="--key")
    query = Query(kind=kind, since=_instant("since", since), until=_instant("until", until))
    entries = _entries(store, account, query)
    if output is None:
        _write(entries, fmt, sys.stdout)
        return
    from tqdm import tqdm

    total = select(
        store.ledger(account), Query(page_size=1, kind=kind, since=query.since, until=query.until)
    ).total
    try:
        with output.open("w", encoding="utf-8", newline="") as handle:
            _write(iter(tqdm(entries, total=total, unit="entry", file=sys.stderr)), fmt, handle)
    except OSError as error:
        raise click.BadParameter(f"cannot write: {error.strerror}", param_hint="--output") from None


def main(argv: list[str] | None = None) -> None:
    """Console entry point: click's errors become one line and exit status 2."""
    try:
        result = cli.main(args=argv, prog_name="ledger-mock", standalone_mode=False)
    except click.ClickException as error:
        message = " ".join(error.format_message().split())
        sys.stderr.write(f"ledger-mock: error: {message}\n")
        sys.exit(2 if isinstance(error, click.UsageError) else error.exit_code)
    except click.Abort:
        sys.stderr.write("ledger-mock: aborted\n")
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
