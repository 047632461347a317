"""The console's export is ``ledger-mock export``, byte for byte (one module writes both).

Also the pure parts it is built on: ``mockserver.core.export`` and the balance
downsampling of ``mockserver.core.downsample``.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from flask import Flask

from mockserver import create_app
from mockserver.cli import main
from mockserver.core.downsample import min_max_buckets
from mockserver.core.export import EXPORT_FORMATS, export_text, write_export
from mockserver.testing.console import routes

FILTERS: list[dict[str, str]] = [
    {},
    {"kind": "topup"},
    {"since": "2025-01-01"},
    {"since": "2024-06-01T00:00:00+02:00", "until": "2025-03-01T12:00:00Z"},
    {"kind": "admin_debit", "until": "2025-09-01"},
    {"kind": "refund", "since": "2030-01-01"},  # nothing matches
]


@pytest.fixture(scope="module")
def console_app() -> Flask:
    return create_app(control=True)


def _cli_bytes(tmp_path: Path, key: str, fmt: str, options: dict[str, str]) -> bytes:
    target = tmp_path / f"cli-{fmt}.out"
    argv = ["export", "--key", key, "--format", fmt, "--output", str(target)]
    for name, value in options.items():
        argv += [f"--{name}", value]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 0
    return target.read_bytes()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize("options", FILTERS, ids=lambda o: urlencode(o) or "all")
def test_console_export_equals_the_cli(
    console_app: Flask, tmp_path: Path, fmt: str, options: dict[str, str]
) -> None:
    client = console_app.test_client()
    query = urlencode({"key": "bsk_test_default", **options, "format": fmt})
    response = client.get(f"/__mock/console/api/export?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename=ledger-default.{fmt}"
    assert response.data == _cli_bytes(tmp_path, "bsk_test_default", fmt, options)


@pytest.mark.parametrize("key", ["bsk_test_docs", "bsk_test_empty", "bsk_test_ties"])
def test_console_export_equals_the_cli_for_other_accounts(
    console_app: Flask, tmp_path: Path, key: str
) -> None:
    client = console_app.test_client()
    for fmt in EXPORT_FORMATS:
        body = client.get(f"/__mock/console/api/export?key={key}&format={fmt}&kind=").data
        assert body == _cli_bytes(tmp_path, key, fmt, {}), (key, fmt)


def test_empty_parameters_count_as_absent_and_csv_is_the_default(console_app: Flask) -> None:
    client = console_app.test_client()
    plain = client.get("/__mock/console/api/export?key=bsk_test_docs")
    blank = client.get("/__mock/console/api/export?key=bsk_test_docs&kind=&since=&until=&format=")
    assert plain.mimetype == "text/csv" and plain.data == blank.data
    assert plain.data.startswith(b"created_at,kind,amount_usd,balance_after_usd\n")
    assert plain.data.count(b"\n") == 48  # the header and the docs account's 47 entries


def test_export_text_comes_in_batches_that_join_to_the_written_text() -> None:
    entries = [
        {
            "created_at": f"2024-01-0{i}T00:00:00Z",
            "kind": "topup",
            "amount_usd": i,
            "balance_after_usd": i * 2,
            "note": "é<script>",
        }
        for i in range(1, 6)
    ]
    for fmt in EXPORT_FORMATS:
        pieces = list(export_text(iter(entries), fmt, batch=2))
        assert len(pieces) == 3
        sink = io.StringIO()
        write_export(iter(entries), fmt, sink)
        assert "".join(pieces) == sink.getvalue()
    assert list(export_text(iter([]), "json")) == ["[]\n"]
    with pytest.raises(ValueError, match="unknown export format"):
        export_text(iter(entries), "xml")


# -- downsampling -----------------------------------------------------------------


def test_a_short_series_comes_back_point_for_point() -> None:
    times = np.array([1, 2, 2, 5])
    values = np.array([10, 30, 20, 40])
    t, low, high = min_max_buckets(times, values, max_points=4)
    assert t.tolist() == [1, 2, 2, 5] and low.tolist() == high.tolist() == [10, 30, 20, 40]


def test_every_value_lies_within_some_bucket_and_the_extremes_are_kept() -> None:
    rng = np.random.default_rng(7)
    times = np.sort(rng.integers(0, 10**9, size=100_000))
    values = rng.integers(-(10**6), 10**6, size=100_000)
    values[4242] = 10**9  # one spike up
    values[77_777] = -(10**9)  # one down
    for budget in (1, 3, 100, 2000):
        t, low, high = min_max_buckets(times, values, max_points=budget)
        assert 1 <= len(t) <= budget
        assert int(high.max()) == 10**9 and int(low.min()) == -(10**9)
        assert np.all(np.diff(t) > 0) and t[0] == times[0]
        # each value is inside the [low, high] of the bucket its time falls in
        bucket = np.searchsorted(t, times, side="right") - 1
        assert np.all(low[bucket] <= values) and np.all(values <= high[bucket])


def test_downsampling_is_deterministic_and_checks_its_arguments() -> None:
    times = np.arange(0, 50_000, 7)
    values = (times * 31) % 1009
    first = min_max_buckets(times, values, max_points=300)
    second = min_max_buckets(times.copy(), values.copy(), max_points=300)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="max_points"):
            min_max_buckets(times, values, max_points=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same length"):
        min_max_buckets(times, values[:-1], max_points=10)


def test_a_single_instant_is_one_bucket() -> None:
    t, low, high = min_max_buckets(np.full(10, 5), np.arange(10), max_points=3)
    assert (t.tolist(), low.tolist(), high.tolist()) == ([5], [0], [9])


def test_head_of_an_export_renders_nothing(
    console_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("HEAD rendered the export")

    monkeypatch.setattr(routes, "export_text", refuse)
    response = console_app.test_client().head("/__mock/console/api/export?key=bsk_test_huge")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=ledger-huge.csv"
    assert response.data == b""
