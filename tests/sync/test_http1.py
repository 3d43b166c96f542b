"""The station's pipelining HTTP/1.1 client (station/sync/http1.py) against scripted servers.

Each server is a thread on 127.0.0.1 that reads requests and answers exactly as the test
scripts it (several answers in one segment, a close, a reset, silence), so the client's
parsing of leftover bytes, its error kinds and its timeouts are checked byte for byte.
Every wait is bounded.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from station.sync.http1 import CLOSED, CONNECT, TIMEOUT, Http1Client, TransportError

Script = Callable[[socket.socket], None]


def read_request(conn: socket.socket, buf: bytearray) -> tuple[str, bytes]:
    """One request from `conn` (leftover bytes kept in `buf`): its request line and body."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            raise EOFError
        buf += data
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    buf[:] = rest
    while len(buf) < length:
        data = conn.recv(65536)
        if not data:
            raise EOFError
        buf += data
    body = bytes(buf[:length])
    del buf[:length]
    return lines[0], body


def answer(status: int, body: bytes = b"", extra: str = "") -> bytes:
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


@contextmanager
def scripted(script: Script, *, wrap: ssl.SSLContext | None = None) -> Iterator[tuple[int, list[BaseException]]]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            listener.settimeout(10)
            conn, _ = listener.accept()
            if wrap is not None:
                conn = wrap.wrap_socket(conn, server_side=True)
            conn.settimeout(10)
            with conn:
                script(conn)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port, errors
    finally:
        thread.join(15)
        listener.close()


def client(port: int, *, scheme: str = "http", timeout: float = 3.0, **kw: object) -> Http1Client:
    return Http1Client(f"{scheme}://127.0.0.1:{port}", connect_timeout_s=timeout, read_timeout_s=timeout, **kw)  # type: ignore[arg-type]


def test_two_requests_are_written_before_the_first_answer_and_answers_split_correctly() -> None:
    seen: list[str] = []

    def script(conn: socket.socket) -> None:
        buf = bytearray()
        for _ in range(2):  # both requests arrive before anything is answered
            line, body = read_request(conn, buf)
            seen.append(f"{line} {body.decode()}")
        # Both answers in one segment: the second one is the first one's leftover bytes.
        conn.sendall(answer(200, b'{"n": 1}') + answer(204, extra="Upload-Offset: 7\r\n"))
        line, _ = read_request(conn, buf)
        seen.append(line)
        conn.sendall(answer(200, b"three"))

    with scripted(script) as (port, errors):
        http = client(port)
        first = http.start("PATCH", "/a", body=b"one")
        second = http.start("POST", "/b", body=b"two")
        assert http.in_flight == 2
        assert http.finish(first).json() == {"n": 1}
        r2 = http.finish(second)
        assert r2.status_code == 204 and r2.headers["upload-offset"] == "7" and r2.content == b""
        assert http.request("GET", "/c").content == b"three"
        http.close()
    assert errors == []
    assert seen == ["PATCH /a HTTP/1.1 one", "POST /b HTTP/1.1 two", "GET /c HTTP/1.1"]
    assert http.connections_opened == 1 and http.most_in_flight == 2


def test_a_third_request_waits_for_the_oldest_answer_depth_two_at_most() -> None:
    order: list[str] = []

    def script(conn: socket.socket) -> None:
        buf = bytearray()
        for name in ("a", "b"):
            read_request(conn, buf)
            order.append(f"got {name}")
        conn.settimeout(0.5)
        try:  # the third request must not come before an answer
            read_request(conn, buf)
            order.append("got c too early")
        except TimeoutError:
            pass
        conn.settimeout(10)
        conn.sendall(answer(200, b"a"))
        read_request(conn, buf)
        order.append("got c")
        conn.sendall(answer(200, b"b") + answer(200, b"c"))

    with scripted(script) as (port, errors):
        http = client(port)
        a, b = http.start("GET", "/a"), http.start("GET", "/b")
        c = http.start("GET", "/c")  # reads a's answer first
        assert a.done and not b.done
        assert [http.finish(x).content for x in (a, b, c)] == [b"a", b"b", b"c"]
        http.close()
    assert errors == []
    assert order == ["got a", "got b", "got c"]


def test_an_idle_connection_the_server_closed_is_replaced_without_an_error() -> None:
    def script(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(answer(200, b"1"))
        conn.close()  # keep-alive timeout on the server

    listener_port: list[int] = []
    with scripted(script) as (port, errors):
        http = client(port)
        assert http.request("GET", "/1").content == b"1"
        listener_port.append(port)
    assert errors == []
    time.sleep(0.1)

    def second(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(answer(200, b"2"))

    with scripted(second) as (port2, errors2):
        http.port = port2  # the same client, pointed at the new listener
        assert http.request("GET", "/2").content == b"2"
        http.close()
    assert errors2 == [] and http.connections_opened == 2


def test_server_closing_after_the_first_answer_fails_only_the_second_as_sent() -> None:
    def script(conn: socket.socket) -> None:
        buf = bytearray()
        read_request(conn, buf)
        read_request(conn, buf)
        conn.sendall(answer(200, b"first"))
        conn.shutdown(socket.SHUT_WR)

    with scripted(script) as (port, errors):
        http = client(port)
        a, b = http.start("PATCH", "/a", body=b"x"), http.start("PATCH", "/b", body=b"y")
        assert http.finish(a).content == b"first"
        with pytest.raises(TransportError) as info:
            http.finish(b)
        assert info.value.kind == CLOSED and info.value.sent
        http.close()
    assert errors == []


def test_a_silent_server_is_a_read_timeout_for_both_requests_in_flight() -> None:
    release = threading.Event()

    def script(conn: socket.socket) -> None:
        buf = bytearray()
        read_request(conn, buf)
        read_request(conn, buf)
        release.wait(10)

    with scripted(script) as (port, errors):
        http = client(port, timeout=0.5)
        a, b = http.start("PATCH", "/a", body=b"x"), http.start("PATCH", "/b", body=b"y")
        started = time.monotonic()
        for ex in (a, b):
            with pytest.raises(TransportError) as info:
                http.finish(ex)
            assert info.value.kind == TIMEOUT and info.value.sent
        assert time.monotonic() - started < 2.0
        release.set()
        http.close()
    assert errors == []


def test_an_answer_that_arrived_before_a_reset_is_kept() -> None:
    """The server answers the first request, then resets while the second is still being written."""

    def script(conn: socket.socket) -> None:
        read_request(conn, bytearray())
        conn.sendall(answer(200, b"kept"))
        time.sleep(0.3)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with scripted(script) as (port, errors):
        http = client(port, timeout=5.0)
        a = http.start("GET", "/a")
        big = http.start("PATCH", "/b", body=b"z" * (64 * 1024 * 1024))  # far more than socket buffers hold
        assert big.done  # the write ended with the reset, not after the whole body
        assert http.finish(a).content == b"kept"
        with pytest.raises(TransportError) as info:
            http.finish(big)
        assert info.value.kind in (CLOSED, TIMEOUT) and info.value.sent
        http.close()
    assert errors == []


def test_nothing_listening_is_a_connect_failure_with_nothing_sent() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(TransportError) as info:
        client(port).start("GET", "/")
    assert info.value.kind == CONNECT and not info.value.sent


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_pipelining_over_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)

    def script(conn: socket.socket) -> None:
        buf = bytearray()
        bodies = [read_request(conn, buf)[1] for _ in range(2)]
        conn.sendall(answer(200, bodies[0]) + answer(200, bodies[1]))

    with scripted(script, wrap=server_ctx) as (port, errors):
        http = client(port, scheme="https", ssl_context=ssl.create_default_context(cafile=str(cert)))
        big = bytes(range(256)) * 4096  # 1 MiB each way through TLS
        a, b = http.start("PATCH", "/a", body=big), http.start("PATCH", "/b", body=b"small")
        assert http.finish(a).content == big and http.finish(b).content == b"small"
        http.close()
    assert errors == []
