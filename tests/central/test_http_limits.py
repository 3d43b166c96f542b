"""Admission limits over real sockets: stalled bodies, in-flight budgets, slow heads, a flood.

The flood runs the centre as a real `station-central serve` subprocess and reads its
resident memory from /proc, so what is measured is the server alone. Every wait is
bounded by a socket timeout or a join timeout.
"""

from __future__ import annotations

import base64
import hashlib
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from central.app import create_app
from central.cli import main
from central.keys import load_keys
from central.receiver import Receiver
from central.stations import add_station
from tests.central.support import (
    OFFSET_TYPE,
    Api,
    FakeStation,
    Packet,
    closed_by_peer,
    raw_connect,
    raw_head,
    read_answer,
    serve_in_thread,
)
from wire.auth import sign_headers
from wire.keys import load_x25519_public, public_pem

CODE = "329104-01"
FLOOD_SOCKETS = 40
FLOOD_BODY = 5 * 1024 * 1024 - 1  # the figure: 40 of these held +262 MB before
RSS_BOUND_MB = 40


def _patch_head(st: FakeStation, p: Packet, body: bytes, *, declared: int | None = None) -> bytes:
    path = f"/v1/uploads/{st.code}/{p.record_uuid}"
    headers = {
        "Content-Type": OFFSET_TYPE,
        "Upload-Offset": "0",
        "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Tus-Resumable": "1.0.0",
    }
    signed = sign_headers("PATCH", path, body, station=st.code, key=st.key, headers=headers)
    length = len(body) if declared is None else declared
    return raw_head("PATCH", path, {**signed, **headers, "Content-Length": str(length)})


# -- body-read timeouts ---------------------------------------------------------------------------


@contextmanager
def _live(receiver: Receiver, **limits: object) -> Iterator[tuple[str, object]]:
    app = create_app(replace(receiver.settings, **limits), receiver=receiver)  # type: ignore[arg-type]
    with serve_in_thread(app) as url:
        yield url, app


def test_an_authenticated_body_that_stalls_is_408_and_its_bytes_are_freed(
    receiver: Receiver, station: FakeStation
) -> None:
    p = station.packet(1)
    with _live(receiver, body_idle_timeout_s=0.3, body_timeout_s=5.0) as (url, app):
        api = Api(httpx.Client(base_url=url, timeout=10), station)
        api.register(p)
        admission = app.state.admission  # type: ignore[attr-defined]
        with raw_connect(url, timeout=10) as sock:
            sock.sendall(_patch_head(station, p, p.blob) + p.blob[:100])
            started = time.monotonic()
            answer = read_answer(sock)
            waited = time.monotonic() - started
        assert (answer.status, answer.json()["error"]) == (408, "request.timeout")
        assert 0.2 < waited < 4, waited
        assert answer.headers["connection"] == "close"
        assert admission.held() == 0 and admission.held(station.code) == 0
        assert api.head(p).headers["Upload-Offset"] == "0"  # nothing of it was stored
        assert api.patch(p, 0, p.blob).status_code == 204  # and the station carries on
        api.http.close()


def test_a_body_that_trickles_hits_the_total_timeout(receiver: Receiver, station: FakeStation) -> None:
    p = station.packet(1)
    with _live(receiver, body_idle_timeout_s=0.5, body_timeout_s=1.0) as (url, _app):
        Api(httpx.Client(base_url=url, timeout=10), station).register(p)
        with raw_connect(url, timeout=10) as sock:
            sock.sendall(_patch_head(station, p, p.blob))
            started = time.monotonic()
            for n in range(60):  # one byte every 0.1 s: never idle for 0.5 s
                readable, _, _ = select.select([sock], [], [], 0.1)
                if readable:
                    break
                sock.sendall(p.blob[n : n + 1])
            answer = read_answer(sock)
        assert (answer.status, answer.json()["error"]) == (408, "request.timeout")
        assert 0.9 < time.monotonic() - started < 4


# -- in-flight budget -----------------------------------------------------------------------------


def test_a_station_over_its_in_flight_budget_is_told_busy_before_reading(
    receiver: Receiver, station: FakeStation
) -> None:
    other = FakeStation("329104-02", station.central_public)
    add_station(receiver.engine, other.code, public_pem(other.key), name="", now=receiver.clock())
    first, second, theirs = station.packet(1, payload=40_000), station.packet(2, payload=40_000), other.packet(1)
    limits = {"max_json_size": 64 * 1024, "max_inflight_bytes_per_station": 64 * 1024, "body_idle_timeout_s": 10.0}
    with _live(receiver, **limits) as (url, app):
        api, api_other = Api(httpx.Client(base_url=url, timeout=10), station), Api(httpx.Client(base_url=url), other)
        api.register(first)
        api.register(second)
        assert first.size + second.size > 64 * 1024
        admission = app.state.admission  # type: ignore[attr-defined]
        reserved, reserve = threading.Event(), admission.reserve

        @contextmanager
        def watched(code: str, size: int) -> Iterator[None]:
            with reserve(code, size):
                reserved.set()
                yield

        admission.reserve = watched
        with raw_connect(url, timeout=10) as held, raw_connect(url, timeout=10) as refused:
            held.sendall(_patch_head(station, first, first.blob) + first.blob[:10])
            assert reserved.wait(10)
            # the first body is being read now; the second would take the station over its budget
            refused.sendall(_patch_head(station, second, second.blob))
            busy = read_answer(refused)
            assert (busy.status, busy.json()["error"]) == (503, "server.busy")
            assert int(busy.headers["retry-after"]) > 0 and busy.headers["connection"] == "close"
            assert admission.held(station.code) == first.size
            # another station is not held up by this one
            assert api_other.register(theirs).status_code == 201
            held.sendall(first.blob[10:])
            assert read_answer(held).status == 204
        assert api.patch(second, 0, second.blob).status_code == 204  # room again once the first is done
        api.http.close()
        api_other.http.close()


# -- connection cap and slow heads ----------------------------------------------------------------


def test_slow_request_heads_cannot_hold_the_connection_cap(receiver: Receiver, station: FakeStation) -> None:
    with _live(receiver, max_connections=3, header_timeout_s=0.5) as (url, _app):
        slow = [raw_connect(url, timeout=5) for _ in range(3)]
        try:
            for sock in slow:
                sock.sendall(b"PATCH /v1/uploads/x/y HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sta")
            with httpx.Client(base_url=url, timeout=5) as http:
                # the cap counts the idle sockets: uvicorn refuses while they hold, in the contract's words
                refused = http.get("/v1/health", headers={"Connection": "close"})
                assert (refused.status_code, refused.json()["error"]) == (503, "server.busy")
                assert int(refused.headers["Retry-After"]) >= 1 and refused.headers["X-Error"] == "server.busy"
                started = time.monotonic()
                assert all(closed_by_peer(sock) for sock in slow)  # cut at the head deadline
                assert time.monotonic() - started < 4
                assert http.get("/v1/health").status_code == 200
        finally:
            for sock in slow:
                sock.close()


def test_a_request_head_is_bounded_whichever_parser_serves(receiver: Receiver) -> None:
    """A head that never ends is cut once it passes max_header_bytes (h11 bounds it itself,
    httptools through central.server._HeadGuard), with a 400 and a close; a head just
    under the bound is served."""
    from central.server import _protocol

    with _live(receiver, max_header_bytes=4096) as (url, _app):
        with raw_connect(url, timeout=5) as sock:
            sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            for n in range(5):  # 5 x 1 KB of headers, never the blank line that ends the head
                sock.sendall(f"X-Pad-{n}: {'a' * 1000}\r\n".encode())
            answer = read_answer(sock)  # without a bound the server would wait for the rest
            assert answer.status == 400 and answer.headers["connection"] == "close"
        with raw_connect(url, timeout=5) as sock:
            pad = "a" * 3000
            sock.sendall(f"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {pad}\r\n\r\n".encode())
            assert read_answer(sock).status == 200
    assert _protocol(replace(receiver.settings)).__name__ == "CentralHttpToolsProtocol"  # what serve runs


# -- the flood ------------------------------------------------------------------------------------


class ServeProcess:
    """`station-central serve` as a subprocess on an ephemeral port."""

    def __init__(self, home: Path, db_url: str, log: Path, *args: str) -> None:
        self.log = log
        command = [sys.executable, "-m", "central.cli", "serve", "--home", str(home), "--db", db_url, "--port", "0"]
        with log.open("ab") as sink:
            self.proc = subprocess.Popen(
                [*command, *args], stdout=subprocess.PIPE, stderr=sink, env={**os.environ, "PYTHONUNBUFFERED": "1"}
            )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        assert ready, "the centre printed no address within 30 s"
        line = self.proc.stdout.readline().decode()
        assert "serving on http://" in line, line + log.read_text()
        self.url = line.strip().rsplit(" ", 1)[-1]

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def flood(url: str, path: str, *, sockets: int, size: int, send: int) -> tuple[list[socket.socket], int]:
    """Open `sockets` connections that each declare a `size`-byte unauthenticated PATCH,
    send up to `send` body bytes and stall. Returns the sockets (still open) and how
    many of them the server closed on them while they were sending."""
    payload = memoryview(b"\0" * send)
    opened: list[socket.socket] = []
    cut: list[int] = []

    def one() -> None:
        sock = raw_connect(url, timeout=20)
        opened.append(sock)
        try:
            sock.sendall(raw_head("PATCH", path, {"Content-Type": OFFSET_TYPE, "Content-Length": str(size)}))
            sock.sendall(payload)
        except OSError:
            cut.append(1)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(sockets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a flood socket was still sending after 60 s"
    return opened, len(cut)


@pytest.fixture
def served_centre(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[ServeProcess, FakeStation]]:
    home, db_url = tmp_path / "centre", f"sqlite:///{tmp_path / 'centre.db'}"
    assert main(["init", "--home", str(home), "--db", db_url]) == 0
    st = FakeStation(CODE, load_x25519_public(load_keys(home).public_pem()))
    (tmp_path / "station.pub").write_bytes(public_pem(st.key))
    add = ["stations", "add", "--code", CODE, "--public-key", str(tmp_path / "station.pub"), "--home", str(home)]
    assert main([*add, "--db", db_url]) == 0
    capsys.readouterr()
    server = ServeProcess(home, db_url, tmp_path / "serve.log")
    try:
        yield server, st
    finally:
        server.stop()


def test_a_flood_of_stalled_unauthenticated_bodies_holds_little_memory_and_a_station_is_served(
    served_centre: tuple[ServeProcess, FakeStation],
) -> None:
    server, st = served_centre
    api = Api(httpx.Client(base_url=server.url, timeout=20), st)
    api.send_all(st.packet(1, payload=60_000), chunk=32 * 1024)  # warm every code path first
    before = server.rss_mb()
    target = f"/v1/uploads/{CODE}/{st.packet(2).record_uuid}"
    opened, cut = flood(server.url, target, sockets=FLOOD_SOCKETS, size=FLOOD_BODY + 1, send=FLOOD_BODY)
    try:
        during = server.rss_mb()
        receipt = api.send_all(st.packet(3, payload=60_000), chunk=32 * 1024)  # a real station, mid-flood
        after = server.rss_mb()
        for sock in opened:
            sock.settimeout(5)
        closed = sum(closed_by_peer(sock) for sock in opened)
    finally:
        for sock in opened:
            sock.close()
        api.http.close()
    grew = max(during, after) - before
    print(f"\nflood of {FLOOD_SOCKETS} x {FLOOD_BODY} B: RSS {before:.1f} -> {during:.1f} -> {after:.1f} MB, "
          f"{cut} of {FLOOD_SOCKETS} cut off while sending")  # fmt: skip
    assert receipt["sha256"]
    assert grew < RSS_BOUND_MB, f"the server grew by {grew:.1f} MB under the flood"
    assert closed == FLOOD_SOCKETS  # the server hung up on every one: none is held


def test_serve_raises_its_open_file_limit_to_what_its_connections_need() -> None:
    """In a surge a process holds a connection per station being served or just served
    (keep-alive): the usual soft limit of 1,024 files must not be what refuses them
    before --max-connections does. Run in a child process, whose limit can be lowered
    first."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import resource
        from central.server import FD_MARGIN, ensure_file_limit
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = 1000 + FD_MARGIN
        assert hard == resource.RLIM_INFINITY or hard >= need, (soft, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
        assert ensure_file_limit(1000) == need
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == need
        assert ensure_file_limit(10) == need  # never lowered
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
