"""The fault proxy against a real HTTP server and real keep-alive clients, all on 127.0.0.1.

The server is the stdlib ``ThreadingHTTPServer``; clients are ``http.client`` (keep-alive) or
raw sockets where a test must know the exact bytes on the wire. Timing checks use ratios with
wide bounds, since CI machines are noisy; each test stays within a few seconds.

Traps: ``BaseHTTPRequestHandler`` writes headers and body separately, so without
``TCP_NODELAY`` Nagle plus delayed ACKs add ~40 ms per keep-alive response and would swamp
the latency checks. A peer closing with unread data sends RST, so a "cut" may reach the
client as a reset: tests of cuts accept either and check the server side instead.
"""

from __future__ import annotations

import collections
import hashlib
import http.client
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from testing.fault_proxy import FaultProxy
from testing.http_framing import MESSAGE_END, HttpFramer, HttpHead

log = logging.getLogger(__name__)

pytestmark = pytest.mark.timeout(30)

CONNECTION_ERRORS = (OSError, http.client.HTTPException)


# --------------------------------------------------------------------------- server


@dataclass
class ServerLog:
    """What the server saw; handlers append from their own threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    bodies: list[int] = field(default_factory=list)
    """Body bytes received per POST, complete or not."""
    resets: int = 0
    commits: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        log.debug("test server: " + format, *args)

    def _count(self) -> ServerLog:
        with self.server.log.lock:
            self.server.log.requests += 1
        return self.server.log

    def _reply(self, status: int, body: bytes, *, head_only: bool = False) -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only and status != 204:
            self.wfile.write(body)

    def _read_body(self) -> bytes | None:
        """Reads the body; records how much arrived. None when the client went away early."""
        length = int(self.headers.get("Content-Length", "0"))
        got = bytearray()
        reset = False
        try:
            while len(got) < length:
                chunk = self.rfile.read1(min(65536, length - len(got)))
                if not chunk:
                    break
                got += chunk
        except ConnectionResetError:
            reset = True
        with self.server.log.lock:
            self.server.log.bodies.append(len(got))
            self.server.log.resets += reset
        if len(got) < length:
            self.close_connection = True
            return None
        return bytes(got)

    def do_GET(self) -> None:
        self._get(head_only=False)

    def do_HEAD(self) -> None:
        self._get(head_only=True)

    def _get(self, *, head_only: bool) -> None:
        server_log = self._count()
        url = urlsplit(self.path)
        if url.path == "/blob":
            size = int(parse_qs(url.query)["size"][0])
            self._reply(200, b"x" * size, head_only=head_only)
        elif url.path == "/nocontent":
            self._reply(204, b"")
        else:
            with server_log.lock:
                body = json.dumps({"requests": server_log.requests}).encode()
            self._reply(200, body, head_only=head_only)

    def do_POST(self) -> None:
        server_log = self._count()
        body = self._read_body()
        if body is None:
            return
        parts = self.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "records" and parts[2] == "commit":
            with server_log.lock:
                server_log.commits.append(parts[1])
            self._reply(200, json.dumps({"committed": parts[1]}).encode())
        else:
            self._reply(200, json.dumps({"received": len(body), "sha256": hashlib.sha256(body).hexdigest()}).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    log: ServerLog


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.log = ServerLog()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def proxy(server: _Server) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", server.server_address[1]) as p:
        yield p


# --------------------------------------------------------------------------- helpers


Connect = Callable[..., http.client.HTTPConnection]


@pytest.fixture
def connect(proxy: FaultProxy) -> Iterator[Connect]:
    """Opens keep-alive clients through the proxy and closes them all afterwards."""
    opened: list[http.client.HTTPConnection] = []

    def _connect(timeout: float = 5.0) -> http.client.HTTPConnection:
        opened.append(http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=timeout))
        return opened[-1]

    yield _connect
    for conn in opened:
        conn.close()


def _get(conn: http.client.HTTPConnection, path: str = "/count", method: str = "GET") -> tuple[int, bytes]:
    conn.request(method, path)
    response = conn.getresponse()
    return response.status, response.read()


def _post(conn: http.client.HTTPConnection, path: str, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers={"Content-Type": "application/octet-stream"})
    response = conn.getresponse()
    return response.status, response.read()


def _timed(fn: Callable[[], object]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def _wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Polls a condition a bounded number of times."""
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _raw_exchange(port: int, data: bytes, timeout: float = 5.0) -> tuple[bytes, BaseException | None]:
    """Sends ``data`` on a fresh socket and reads until the proxy closes; returns what came back."""
    received = bytearray()
    error: BaseException | None = None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as exc:
            error = exc
    return bytes(received), error


def _post_head(path: str, length: int) -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {length}\r\n\r\n".encode()


# --------------------------------------------------------------------------- plain forwarding


def test_forwards_keep_alive_requests_and_counts_every_byte(
    proxy: FaultProxy, server: _Server, connect: Connect
) -> None:
    conn = connect()
    for expected in (1, 2, 3):
        assert _get(conn) == (200, json.dumps({"requests": expected}).encode())
    conn.close()
    assert _wait_until(lambda: proxy.counters().open_connections == 0)
    assert proxy.counters().connections == 1

    proxy.reset_counters()
    request = b"GET /blob?size=777 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    response, error = _raw_exchange(proxy.port, request)
    assert error is None and response.endswith(b"\r\n\r\n" + b"x" * 777)
    assert _wait_until(lambda: proxy.counters().bytes_down == len(response))
    counters = proxy.counters()
    assert (counters.bytes_up, counters.bytes_from_client) == (len(request), len(request))
    assert counters.bytes_from_server == len(response)
    assert (counters.connections, counters.faults) == (1, {})

    proxy.reset_counters()
    assert proxy.counters().bytes_up == proxy.counters().bytes_down == proxy.counters().connections == 0


# --------------------------------------------------------------------------- shaping


def test_latency_adds_one_way_delay_per_direction_on_an_open_connection(proxy: FaultProxy, connect: Connect) -> None:
    conn = connect()
    baseline = min(_timed(lambda: _get(conn)) for _ in range(3))
    assert baseline < 0.05

    proxy.set(latency_s=0.15)
    for _ in range(2):
        assert 0.30 <= _timed(lambda: _get(conn)) <= 0.30 + 0.15

    proxy.set(latency_up_s=0.25, latency_down_s=0.0)
    assert 0.25 <= _timed(lambda: _get(conn)) <= 0.25 + 0.15

    proxy.heal()
    assert _timed(lambda: _get(conn)) < 0.1


def test_changing_a_setting_wakes_chunks_already_waiting(proxy: FaultProxy, connect: Connect) -> None:
    conn = connect()
    _get(conn)
    proxy.set(latency_s=2.0)
    healer = threading.Timer(0.2, proxy.heal)
    healer.start()
    try:
        assert _timed(lambda: _get(conn)) < 1.0
    finally:
        healer.cancel()


def test_jitter_and_a_cap_never_reorder_bytes(proxy: FaultProxy, connect: Connect) -> None:
    body = os.urandom(200_000)
    proxy.set(latency_s=0.03, jitter_s=0.03, bandwidth_bps=1_000_000)
    conn = connect()
    pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)]
    conn.request("POST", "/echo", body=iter(pieces), headers={"Content-Length": str(len(body))})
    reply = json.loads(conn.getresponse().read())
    assert reply == {"received": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_bandwidth_cap_holds_within_15_percent_each_way(proxy: FaultProxy, server: _Server, connect: Connect) -> None:
    conn = connect()
    _get(conn)

    proxy.set(bandwidth_up_bps=32_000)
    body = os.urandom(100_000)
    up = _timed(lambda: _post(conn, "/echo", body))
    assert server.log.bodies[-1] == len(body)
    assert 0.85 <= up / (len(body) / 32_000) <= 1.15, up

    proxy.set(bandwidth_up_bps=None, bandwidth_down_bps=64_000)
    down = _timed(lambda: _get(conn, "/blob?size=100000"))
    assert 0.85 <= down / (100_000 / 64_000) <= 1.15, down


# --------------------------------------------------------------------------- cuts and resets


def test_cut_after_closes_at_the_exact_byte_count_upstream(
    proxy: FaultProxy, server: _Server, connect: Connect
) -> None:
    head = _post_head("/echo", 50_000)
    proxy.cut_after(len(head) + 12_345, direction="up", count=1)

    response, _ = _raw_exchange(proxy.port, head + os.urandom(50_000))

    assert response == b""
    assert _wait_until(lambda: len(server.log.bodies) == 1)
    assert (server.log.bodies, server.log.resets) == ([12_345], 0)  # the server saw a clean end
    assert proxy.counters().faults == {"cut": 1}
    assert proxy.counters().bytes_up == len(head) + 12_345

    status, _ = _post(connect(), "/echo", b"y" * 50_000)  # count=1: used up
    assert status == 200 and server.log.bodies[-1] == 50_000


def test_cut_after_downstream_delivers_exactly_n_bytes(proxy: FaultProxy) -> None:
    proxy.cut_after(500, direction="down")
    response, _ = _raw_exchange(proxy.port, b"GET /blob?size=5000 HTTP/1.1\r\nHost: test\r\n\r\n")
    assert len(response) == 500 and response.startswith(b"HTTP/1.1 200")

    response, _ = _raw_exchange(proxy.port, b"GET /blob?size=5000 HTTP/1.1\r\nHost: test\r\n\r\n")
    assert len(response) == 500  # no count: every connection is cut until healed
    assert proxy.counters().faults == {"cut": 2}


def test_reset_mid_body_resets_client_and_server(proxy: FaultProxy, server: _Server, connect: Connect) -> None:
    head = _post_head("/echo", 20_000)
    proxy.reset_after(len(head) + 5_000, count=1)

    response, error = _raw_exchange(proxy.port, head + os.urandom(20_000))

    assert response == b""
    assert isinstance(error, ConnectionResetError)
    assert _wait_until(lambda: len(server.log.bodies) == 1)
    assert server.log.bodies[0] <= 5_000 and server.log.resets == 1
    assert proxy.counters().faults == {"reset": 1}
    assert _post(connect(), "/echo", b"z" * 100)[0] == 200


# --------------------------------------------------------------------------- outages


def test_black_hole_hangs_until_the_client_times_out(proxy: FaultProxy, server: _Server, connect: Connect) -> None:
    existing = connect(timeout=0.4)
    _get(existing)
    proxy.black_hole(True)

    with pytest.raises(TimeoutError):
        _get(existing)
    with pytest.raises(TimeoutError):
        _get(connect(timeout=0.4))
    assert server.log.requests == 1
    assert proxy.counters().faults == {"black_hole": 2}

    proxy.black_hole(False)
    assert _get(connect())[0] == 200


def test_down_for_refuses_then_recovers_by_itself(proxy: FaultProxy, connect: Connect) -> None:
    existing = connect()
    _get(existing)
    start = time.monotonic()
    proxy.down_for(1.0)

    with pytest.raises(CONNECTION_ERRORS):
        _get(existing)
    failures = 0
    recovered_after: float | None = None
    for _ in range(60):
        try:
            _get(connect(timeout=1.0))
        except CONNECTION_ERRORS:
            failures += 1
            time.sleep(0.05)
            continue
        recovered_after = time.monotonic() - start
        break

    assert failures >= 5
    assert recovered_after is not None and 1.0 <= recovered_after <= 1.6
    assert proxy.counters().faults["down"] == failures + 1  # +1: the dropped keep-alive connection


def test_periodic_cut_drops_every_connection_until_stopped(proxy: FaultProxy, connect: Connect) -> None:
    proxy.cut_every(0.3)
    conn = connect()
    _get(conn)
    time.sleep(0.45)
    with pytest.raises(CONNECTION_ERRORS):
        _get(conn)
    assert proxy.counters().faults["periodic_cut"] >= 1

    proxy.cut_every(None)
    fresh = connect()
    _get(fresh)
    time.sleep(0.45)
    assert _get(fresh)[0] == 200


def test_stop_is_bounded_with_hung_and_delayed_connections(server: _Server) -> None:
    proxy = FaultProxy("127.0.0.1", server.server_address[1]).start()
    port = proxy.port
    proxy.set(latency_s=5.0)
    slow = socket.create_connection(("127.0.0.1", port), timeout=2)
    slow.sendall(b"GET /count HTTP/1.1\r\nHost: test\r\n\r\n")
    proxy.black_hole(True)
    hung = [socket.create_connection(("127.0.0.1", port), timeout=2) for _ in range(3)]
    for sock in hung:
        sock.sendall(b"GET /count HTTP/1.1\r\nHost: test\r\n\r\n")
    assert _wait_until(lambda: proxy.counters().connections == 4)

    assert _timed(proxy.stop) < 2.0
    for sock in [slow, *hung]:
        with sock:
            try:
                assert sock.recv(100) == b""
            except ConnectionResetError:
                pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()

    proxy.black_hole(False)
    proxy.set(latency_s=0.0)
    with proxy:  # a restart re-binds the same port
        assert proxy.port == port
        response, error = _raw_exchange(port, b"GET /count HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        assert error is None and response.startswith(b"HTTP/1.1 200")


# --------------------------------------------------------------------------- dropped responses


def test_dropped_commit_response_reached_the_server_but_not_the_client(
    proxy: FaultProxy, server: _Server, connect: Connect
) -> None:
    proxy.drop_responses(match=r"^POST .*/commit", count=1)
    conn = connect()
    assert _get(conn)[0] == 200  # not matched: passes on the same keep-alive connection
    assert _post(conn, "/echo", b"a" * 1000)[0] == 200

    with pytest.raises(CONNECTION_ERRORS):
        _post(conn, "/records/r1/commit", b"sealed packet")
    assert server.log.commits == ["r1"]
    assert proxy.counters().faults == {"drop_response": 1}

    status, body = _post(connect(), "/records/r1/commit", b"sealed packet")
    assert (status, json.loads(body)) == (200, {"committed": "r1"})
    assert server.log.commits == ["r1", "r1"]


def test_drop_keeps_request_pairing_across_head_and_204(proxy: FaultProxy, server: _Server, connect: Connect) -> None:
    proxy.drop_responses(match=r"/commit")
    conn = connect()
    response = _get(conn, "/blob?size=5000", method="HEAD")
    assert response == (200, b"")
    assert _get(conn, "/nocontent") == (204, b"")
    assert _get(conn, "/blob?size=10")[1] == b"x" * 10
    with pytest.raises(CONNECTION_ERRORS):
        _post(conn, "/records/r2/commit", b"p")
    with pytest.raises(CONNECTION_ERRORS):  # no count: every matching response until healed
        _post(connect(), "/records/r3/commit", b"p")
    proxy.heal()
    assert _post(connect(), "/records/r4/commit", b"p")[0] == 200
    assert server.log.commits == ["r2", "r3", "r4"]


def test_drop_without_match_drops_only_the_next_k_responses(proxy: FaultProxy, connect: Connect) -> None:
    proxy.drop_responses(count=2)
    for _ in range(2):
        with pytest.raises(CONNECTION_ERRORS):
            _get(connect())
    assert _get(connect())[0] == 200
    assert proxy.counters().faults == {"drop_response": 2}


# --------------------------------------------------------------------------- HTTP framing


def _frame(framer: HttpFramer, data: bytes, step: int) -> list[object]:
    """Feeds ``data`` in ``step``-byte pieces; returns heads, joined bytes runs and ends."""
    events: list[object] = []
    for i in range(0, len(data), step):
        for event in framer.feed(data[i : i + step]):
            if isinstance(event, bytes) and events and isinstance(events[-1], bytes):
                events[-1] += event
            else:
                events.append(event)
    return events


REQUESTS = (
    b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    b"HEAD /b HTTP/1.1\r\n\r\n"
    b"PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nxyz\r\n0\r\nTrailer: t\r\n\r\n"
    b"DELETE /d HTTP/1.1\r\n\r\n"
)
RESPONSES = (
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
    b"HTTP/1.1 204 No Content\r\n\r\n"
)


@pytest.mark.parametrize("step", [1, 7, 1000])
def test_framer_pairs_pipelined_requests_and_responses(step: int) -> None:
    pending: collections.deque[HttpHead] = collections.deque()
    requests = _frame(HttpFramer(is_request=True, pending=pending), REQUESTS, step)
    responses = _frame(HttpFramer(is_request=False, pending=pending), RESPONSES, step)

    assert b"".join(e for e in requests if isinstance(e, bytes)) == REQUESTS
    assert b"".join(e for e in responses if isinstance(e, bytes)) == RESPONSES
    assert [e.first_line for e in requests if isinstance(e, HttpHead)] == [
        "POST /a HTTP/1.1",
        "HEAD /b HTTP/1.1",
        "PUT /c HTTP/1.1",
        "DELETE /d HTTP/1.1",
    ]
    assert requests.count(MESSAGE_END) == 4 and responses.count(MESSAGE_END) == 5
    paired = [(e.status, e.request.method if e.request else None) for e in responses if isinstance(e, HttpHead)]
    assert paired == [(100, None), (200, "POST"), (200, "HEAD"), (200, "PUT"), (204, "DELETE")]
    assert not pending


def test_framer_ends_close_delimited_response_at_eof() -> None:
    pending = collections.deque([HttpHead("GET / HTTP/1.0", {})])
    framer = HttpFramer(is_request=False, pending=pending)
    events = framer.feed(b"HTTP/1.0 200 OK\r\n\r\nuntil the end")
    assert MESSAGE_END not in events
    assert framer.feed_eof() == [MESSAGE_END]


@pytest.mark.parametrize(
    "data",
    [
        b"\x16\x03\x01 binary, not HTTP",
        b"GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\nrest",
        b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    ],
)
def test_framer_gets_lost_and_passes_bytes_through_untouched(data: bytes) -> None:
    framer = HttpFramer(is_request=True, pending=collections.deque())
    events = [e for step in range(0, len(data), 5) for e in framer.feed(data[step : step + 5])]
    assert framer.lost
    assert b"".join(e for e in events if isinstance(e, bytes)) == data
