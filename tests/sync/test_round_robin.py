"""testing.round_robin: connections in turn over live backends, exchanges counted and timed."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from testing.round_robin import RoundRobinProxy


class _Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        name = self.server.server_address[1]  # type: ignore[index]
        body = str(name).encode()
        if self.path == "/die":  # a node that dies mid-request: the connection ends unanswered
            self.close_connection = True
            return
        busy = self.path == "/busy"
        self.send_response(503 if busy else 200)
        if busy:
            self.send_header("Retry-After", "3")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def nodes() -> Iterator[list[ThreadingHTTPServer]]:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Node) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}) for s in servers]
    for t in threads:
        t.start()
    yield servers
    for s in servers:
        s.shutdown()
        s.server_close()
    for t in threads:
        t.join(timeout=5)


def _dead_port() -> int:
    """A port nothing listens on (bound, then closed): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> httpx.Response:
    with httpx.Client(timeout=5) as client:  # a new connection each time
        return client.get(url)


@pytest.mark.timeout(30)
def test_each_connection_goes_to_the_next_live_backend_and_every_exchange_is_recorded(
    nodes: list[ThreadingHTTPServer],
) -> None:
    ports = [int(s.server_address[1]) for s in nodes]
    dead = _dead_port()
    with RoundRobinProxy([("127.0.0.1", ports[0]), ("127.0.0.1", dead), ("127.0.0.1", ports[1])]) as proxy:
        answered = [int(_get(proxy.url + "/").text) for _ in range(4)]
        assert answered == [ports[0], ports[1], ports[0], ports[1]]  # the dead one skipped each round
        busy = _get(proxy.url + "/busy")
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "3"
        assert proxy.wait_requests(5, timeout_s=5)
        counters = proxy.counters()
        assert counters.requests == (3, 0, 2) and counters.skipped == 2 and counters.responses == 5
        assert counters.connections == 5 and counters.refused == 0
        assert counters.answers == {"GET 200": 4, "GET 503": 1}
        assert proxy.wait(lambda c: c.answers.get("GET 503", 0) == 1, timeout_s=1)
        exchanges = proxy.exchanges()
        assert [(e.method, e.target, e.status) for e in exchanges][-1] == ("GET", "/busy", 503)
        assert exchanges[-1].retry_after == "3"
        assert all(0 <= e.latency_s < 5 and e.sent_at <= time.monotonic() for e in exchanges)


@pytest.mark.timeout(30)
def test_keep_alive_requests_are_counted_and_waiting_is_bounded(nodes: list[ThreadingHTTPServer]) -> None:
    with RoundRobinProxy([("127.0.0.1", int(nodes[0].server_address[1]))]) as proxy:
        with httpx.Client(timeout=5) as client:
            statuses = [client.get(proxy.url + "/").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        assert proxy.counters().connections == 1 and proxy.requests() == 3
        started = time.monotonic()
        assert not proxy.wait_requests(4, timeout_s=0.3)  # nothing more comes: False at the deadline
        assert time.monotonic() - started < 2


@pytest.mark.timeout(30)
def test_with_every_backend_dead_the_client_is_reset_not_held() -> None:
    with RoundRobinProxy([("127.0.0.1", _dead_port()), ("127.0.0.1", _dead_port())]) as proxy:
        with pytest.raises(httpx.TransportError):
            _get(proxy.url + "/")
        counters = proxy.counters()
        assert counters.refused == 1 and counters.skipped == 2 and counters.connections == 0


@pytest.mark.timeout(30)
def test_a_node_that_goes_away_mid_request_is_counted_as_cut(nodes: list[ThreadingHTTPServer]) -> None:
    with RoundRobinProxy([("127.0.0.1", int(nodes[0].server_address[1]))]) as proxy:
        with pytest.raises(httpx.TransportError):
            _get(proxy.url + "/die")
        assert _get(proxy.url + "/").status_code == 200  # a connection that ends answered is not cut
        assert proxy.wait(lambda c: c.cut == 1 and c.responses == 1, timeout_s=5), proxy.counters()
