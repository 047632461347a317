"""``ledger-mock``: serve the mock, list its keys, export a ledger, check an implementation.

Every mistake on the command line is one line on stderr and exit status 2.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from tempfile import mkstemp
from typing import IO, Any, ClassVar, TextIO

import click

from .app import create_app
from .core.config import ConfigError, MockConfig, builtin_config, key_table, load_config
from .core.export import EXPORT_FORMATS, export_entries, export_total, write_export
from .core.kinds import KINDS
from .core.notes import prime as prime_notes
from .core.query import Query
from .core.store import KeyStatus, LedgerStore
from .core.timestamps import TimestampError, parse_instant
from .http.app import ledger_store
from .http.limits import DEFAULT_MAX_CONNECTIONS
from .http.paths import API_PREFIX
from .server.stops import stop_requested
from .testing.console import CONSOLE_PREFIX
from .testing.control import check_control_token

__all__ = ["cli", "main"]

# What a shell reports for a Unix tool whose reader went away (128 + SIGPIPE), e.g.
# ``ledger-mock export ... | head -1``: quiet, and told apart from a failure (1).
_EXIT_BROKEN_PIPE = 141


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
    "--control-token",
    envvar="LEDGER_MOCK_CONTROL_TOKEN",
    help="With --enable-control: every /__mock/ request must send 'Authorization: Bearer "
    "TOKEN' (env LEDGER_MOCK_CONTROL_TOKEN).",
)
@click.option(
    "--max-connections",
    default=DEFAULT_MAX_CONNECTIONS,
    show_default=True,
    type=click.IntRange(1, 1_000_000),
    help="Open connections per worker; past it the longest-idle one is closed "
    "(503 if every one is busy).",
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
def serve(
    host: str,
    port: int,
    config_path: Path | None,
    seed: int | None,
    workers: int,
    enable_control: bool,
    control_token: str | None,
    max_connections: int,
    page_cache_mb: int,
    cache_stats: bool,
) -> None:
    """Serve the mock; the first line of output is its base URL (then the console's, if on)."""
    from .server.serving import serve as run_server
    from .testing.control import is_loopback_host

    if stop_requested():  # stopped while the imports ran: nothing to serve
        sys.exit(0)

    if enable_control and workers != 1:
        raise click.UsageError(
            "--enable-control keeps journal, faults and drift in one process: use --workers 1"
        )
    if control_token is not None and not enable_control:
        raise click.UsageError("--control-token needs --enable-control")
    if control_token is not None:
        try:
            check_control_token(control_token)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--control-token") from None
    config = _config(config_path, seed)  # a bad file is named before a busy port
    _check_bindable(host, port)
    app = create_app(
        config,
        control=enable_control,
        control_token=control_token,
        page_cache_bytes=page_cache_mb * 1024 * 1024,
    )
    if enable_control and not is_loopback_host(host):
        sys.stderr.write(
            f"ledger-mock: warning: the control API is reachable on {host}"
            + (
                ", protected by --control-token\n"
                if control_token
                else " by anyone, without a token (set --control-token)\n"
            )
        )
    store = ledger_store(app)
    store.warm(max_size=100_000)

    def ready(bound_host: str, bound_port: int) -> None:
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        sys.stdout.write(f"http://{shown}:{bound_port}{API_PREFIX}\n")
        if enable_control:
            sys.stdout.write(f"console: http://{shown}:{bound_port}{CONSOLE_PREFIX}/\n")
        _print_keys(store, sys.stdout)
        sys.stdout.flush()
        prime_notes()  # in the parent, before workers fork, so they share it
        # What the workers inherit is never scanned by the cyclic GC again: no pass over
        # it in a request's time, and its pages stay shared (A/B: 1.04x req/s, p99 -7%).
        gc.freeze()

    if stop_requested():
        sys.exit(0)
    run_server(
        app,
        host=host,
        port=port,
        workers=workers,
        control=enable_control,
        max_connections=max_connections,
        on_ready=ready,
        cache_stats=cache_stats,
        control_token=control_token,
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


class _Utf8Sink:
    """Text in, UTF-8 bytes out: an export's bytes never depend on the locale.

    Used for stdout and for files alike, so ``--output FILE`` and ``> FILE`` hold the
    same bytes (notes and names have non-ASCII characters).
    """

    def __init__(self, binary: IO[bytes]) -> None:
        self._binary = binary

    def write(self, text: str, /) -> int:
        self._binary.write(text.encode("utf-8"))
        return len(text)


def _is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal; a replaced or closed stream is not."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's last flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _export_to_stdout(entries: Iterator[dict[str, Any]], fmt: str) -> None:
    """Stream the export to stdout as UTF-8.

    A reader that goes away (``| head -1``) ends the export quietly with status 141,
    as a shell reports for a Unix tool killed by SIGPIPE; any other write error is
    one line and status 1.
    """
    binary = getattr(sys.stdout, "buffer", None)
    try:
        sys.stdout.flush()
        if binary is None:  # stdout replaced by a text-only stream
            write_export(entries, fmt, sys.stdout)
            sys.stdout.flush()
        else:
            write_export(entries, fmt, _Utf8Sink(binary))
            binary.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise click.exceptions.Exit(_EXIT_BROKEN_PIPE) from None
    except OSError as error:
        _silence_stdout()
        raise click.ClickException(f"cannot write to stdout: {error.strerror or error}") from None


def _umask() -> int:
    # The only portable way to read the umask is to set it; the CLI has one thread.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _file_mode(target: Path) -> int:
    """The mode a plain ``open(target, "w")`` would leave: the old file's, else umask's.

    ``mkstemp`` creates its file 0600, which would otherwise become the export's mode.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _progress(
    entries: Iterator[dict[str, Any]], total: int
) -> contextlib.AbstractContextManager[Iterator[dict[str, Any]]]:
    """A tqdm bar over ``entries`` on a terminal stderr; elsewhere nothing is drawn.

    A bar on a pipe or in a CI log is only carriage returns and noise.
    """
    if not _is_terminal(sys.stderr):
        return contextlib.nullcontext(entries)
    from tqdm import tqdm

    bar: contextlib.AbstractContextManager[Iterator[dict[str, Any]]] = tqdm(
        entries, total=total, unit="entry", file=sys.stderr
    )
    return bar


def _export_to_file(entries: Iterator[dict[str, Any]], fmt: str, output: Path, total: int) -> None:
    """Write the export next to ``output`` and move it into place only once complete.

    The bytes go to a hidden temporary file in the target's directory (same file
    system, so the final ``os.replace`` is atomic), are fsynced, get the mode a plain
    open would have given, and replace the target in one step. On Ctrl-C, a write
    error, a full disk or any other exception the temporary file is removed and the
    target is as it was: absent, or the previous file byte for byte. Not being able
    to write there at all is a usage error (status 2); failing midway is status 1.
    """
    target = Path(os.path.realpath(output))  # write through a symlink, as open() would
    if target.exists() and not os.access(target, os.W_OK):
        raise click.BadParameter(f"cannot write {output}: Permission denied", param_hint="--output")
    try:
        descriptor, temp_name = mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as error:
        raise click.BadParameter(
            f"cannot write {output}: {error.strerror or error}", param_hint="--output"
        ) from None
    temp = Path(temp_name)
    drew_bar = False
    try:
        with open(descriptor, "wb") as binary:
            os.chmod(temp, _file_mode(target))
            with _progress(entries, total) as shown:
                drew_bar = shown is not entries
                write_export(shown, fmt, _Utf8Sink(binary))
            binary.flush()
            os.fsync(binary.fileno())
        os.replace(temp, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, KeyboardInterrupt) and drew_bar:
            raise click.Abort() from None  # closing, the bar ended its line itself
        if isinstance(error, OSError):
            raise click.ClickException(
                f"cannot write {output}: {error.strerror or error}"
            ) from None
        if isinstance(error, Exception) and not isinstance(error, click.ClickException):
            raise click.ClickException(
                f"export to {output} failed, nothing written: {type(error).__name__}: {error}"
            ) from None
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; best effort (not every system can fsync a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


@cli.command()
@click.option("--key", required=True, help="API key whose ledger to export.")
@click.option("--kind", type=click.Choice(KINDS), help="Only entries of this kind.")
@click.option("--since", help="Only entries at or after this instant (RFC 3339 or YYYY-MM-DD).")
@click.option("--until", help="Only entries strictly before this instant.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="csv",
    show_default=True,
    help="Output format (CSV columns as in the docs example).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write to this file instead of stdout ('-': stdout). The file appears only once "
    "complete; a progress bar shows when stderr is a terminal.",
)
@_config_option
@_seed_option
def export(
    key: str,
    kind: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    output: str | None,
    config_path: Path | None,
    seed: int | None,
) -> None:
    """Write a ledger, newest first, with the endpoint's filter semantics."""
    try:
        store = LedgerStore(_config(config_path, seed))
        status, account = store.key_status(key)
        if status is not KeyStatus.ACTIVE or account is None:
            raise click.BadParameter(
                f"{status.value} key; run 'ledger-mock keys'", param_hint="--key"
            )
        query = Query(kind=kind, since=_instant("since", since), until=_instant("until", until))
        entries = export_entries(store.ledger(account), query)
        if output is None or output == "-":
            _export_to_stdout(entries, fmt)
            return
        total = export_total(store.ledger(account), query)
        _export_to_file(entries, fmt, Path(output), total)
    except KeyboardInterrupt:
        # Ctrl-C is "ledger-mock: aborted" and status 130 (main); on a terminal a
        # newline first ends the "^C" echo, as click does, while a captured stderr
        # gets that one line only.
        if _is_terminal(sys.stderr):
            sys.stderr.write("\n")
        raise click.Abort() from None


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
