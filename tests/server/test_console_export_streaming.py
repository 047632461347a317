"""A console export is rendered off the event loop of ``serve --enable-control``.

The control server has one worker and one loop: an export of a 10^5-entry
ledger takes seconds to render, and rendered on the loop it froze every other
client for that long (10^6 entries outlived gunicorn's worker timeout). The
export is now rendered on a thread and streamed, so a probe of the endpoint
answers quickly throughout, and the bytes are still ``ledger-mock export``'s.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from mockserver.cli import main
from tests.servers import running_mock

EXPORT = "/__mock/console/api/export?key=bsk_test_large&format=csv"


def _cli_bytes(tmp_path: Path) -> bytes:
    target = tmp_path / "cli.csv"
    with pytest.raises(SystemExit) as stopped:
        main(["export", "--key", "bsk_test_large", "--format", "csv", "--output", str(target)])
    assert stopped.value.code == 0
    return target.read_bytes()


def test_an_export_does_not_stall_other_clients(tmp_path: Path) -> None:
    with running_mock("--enable-control") as base_url:
        root = base_url.split("/api/", 1)[0]
        endpoint = f"{base_url}/me/billing/transactions?page_size=1"
        probe_headers = {"Authorization": "Bearer bsk_test_default"}
        with requests.Session() as session:  # generate the ledger first: only rendering is timed
            warm = session.get(f"{root}/__mock/console/api/balance?key=bsk_test_large", timeout=60)
            assert warm.status_code == 200
            assert session.get(endpoint, headers=probe_headers, timeout=10).status_code == 200
        exported: list[bytes] = []
        took: list[float] = []

        def export() -> None:
            started = time.perf_counter()
            response = requests.get(root + EXPORT, timeout=120)
            took.append(time.perf_counter() - started)
            assert response.status_code == 200
            exported.append(response.content)

        worker = threading.Thread(target=export)
        latencies: list[float] = []
        with requests.Session() as session:
            worker.start()
            while worker.is_alive():
                started = time.perf_counter()
                answer = session.get(endpoint, headers=probe_headers, timeout=60)
                latencies.append(time.perf_counter() - started)
                assert answer.status_code == 200
                time.sleep(0.02)
        worker.join()
        head = requests.head(root + EXPORT, timeout=10)
    assert exported and took, "the export did not complete"
    assert exported[0] == _cli_bytes(tmp_path)
    assert len(latencies) >= 5, (took, latencies)
    assert max(latencies) < took[0] / 4, (took[0], max(latencies))
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert head.headers["Content-Disposition"] == "attachment; filename=ledger-large.csv"
