"""`station-central serve --workers 2`: one port, two processes, a dead one replaced, a clean stop.

Real processes on 127.0.0.1 (the parent supervises forked children); which process
answered is read from /metrics (`central_worker_info{pid=...}`). Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central.cli import main
from central.keys import load_keys
from tests.central.support import Api, FakeStation
from tests.central.test_http_limits import ServeProcess
from wire.keys import load_x25519_public, public_pem

CODE = "329104-01"


def children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def answering_pids(url: str, want: int, tries: int = 200) -> set[int]:
    """Pids that answer /metrics on fresh connections, until `want` are seen (bounded)."""
    seen: set[int] = set()
    for _ in range(tries):
        with httpx.Client(base_url=url, timeout=10) as http:
            text = http.get("/metrics", headers={"Connection": "close"}).text
        seen |= {int(line.split('pid="')[1].split('"')[0]) for line in text.splitlines() if "worker_info{" in line}
        if len(seen) >= want:
            break
    return seen


@pytest.fixture
def workers(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> Iterator[tuple[ServeProcess, FakeStation]]:
    home = tmp_path / "centre"
    assert main(["init", "--home", str(home), "--db", db_url]) == 0
    st = FakeStation(CODE, load_x25519_public(load_keys(home).public_pem()))
    (tmp_path / "station.pub").write_bytes(public_pem(st.key))
    add = ["stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--home", str(home)]
    assert main([*add, "--db", db_url]) == 0
    capsys.readouterr()
    server = ServeProcess(home, db_url, tmp_path / "serve.log", "--workers", "2")
    try:
        yield server, st
    finally:
        if server.proc.poll() is None:
            server.stop()


def test_two_workers_share_one_port_replace_a_dead_one_and_stop_cleanly(
    workers: tuple[ServeProcess, FakeStation],
) -> None:
    server, st = workers
    parent = server.proc.pid
    deadline = time.monotonic() + 20
    while len(children(parent)) < 2:  # both forked (the address is printed before)
        assert time.monotonic() < deadline, "two workers did not start"
        time.sleep(0.05)
    first = children(parent)
    assert answering_pids(server.url, 2) == first  # both answer, on the one port
    with httpx.Client(base_url=server.url, timeout=20) as http:
        receipt = Api(http, st).send_all(st.packet(1), chunk=2048)
    assert receipt["station_seq"] == 1

    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while len(now := children(parent)) < 2 or victim in now:
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        time.sleep(0.05)
    replaced = children(parent)
    assert len(replaced) == 2 and victim not in replaced and (first - {victim}) < replaced
    with httpx.Client(base_url=server.url, timeout=20) as http:
        assert Api(http, st).send_all(st.packet(2), chunk=2048)["station_seq"] == 2

    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(30) == 0
    for pid in replaced:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    log = server.log.read_text()
    assert "all workers stopped" in log and "Traceback" not in log
