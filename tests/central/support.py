"""Test helpers: a made-up station that builds packets and signs requests, and live servers.

Every NIK here uses district digits 91-99 (no real kecamatan has them) and every
name is invented.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from starlette.applications import Starlette

from central.server import make_server
from wire.auth import sign_headers

with warnings.catch_warnings():
    # Starlette 1.x suggests httpx2 for its TestClient; the contract's client is httpx.
    warnings.simplefilter("ignore", UserWarning)
    from starlette.testclient import TestClient as TestClient  # re-exported for the tests
from wire.packet import build_packet

NIK_A = "3204914703900012"
NIK_B = "3204925108880007"
OFFSET_TYPE = "application/offset+octet-stream"


class FakeClock:
    """A settable UTC clock for the receiver (downstream delay, clock skew)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def item(kind: str, data: bytes) -> dict[str, Any]:
    return {
        "kind": kind,
        "format": "bin",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "quality": 80,
        "exception_reason": None,
        "exception_note": None,
        "approved_by": None,
        "device_driver": "sim",
        "device_model": "Simulator",
        "device_serial": "SIM-0001",
        "simulated": True,
        "captured_at": "2026-11-22T07:00:00+00:00",
    }


def manifest(
    station: str, seq: int, record_uuid: str, *, nik: str = NIK_A, corrects: str | None = None, items: list[bytes]
) -> dict[str, Any]:
    return {
        "v": 1,
        "station": station,
        "record_uuid": record_uuid,
        "station_seq": seq,
        "reg_no": f"{station}-{seq:06d}",
        "operator": "op1",
        "sealed_at": "2026-11-22T07:00:00+00:00",
        "corrects_uuid": corrects,
        "demographics": {"nik": nik, "nama": "Contoh Warga Uji", "tempat_lahir": "Kota Contoh"},
        "items": [item(f"item{i}", data) for i, data in enumerate(items)],
    }


@dataclass
class Packet:
    record_uuid: str
    seq: int
    blob: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.blob).hexdigest()

    @property
    def size(self) -> int:
        return len(self.blob)


@dataclass
class FakeStation:
    code: str
    central_public: X25519PublicKey
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def packet(
        self,
        seq: int,
        *,
        nik: str = NIK_A,
        corrects: str | None = None,
        payload: int = 3000,
        record_uuid: str | None = None,
        key: Ed25519PrivateKey | None = None,
        central: X25519PublicKey | None = None,
    ) -> Packet:
        rid = record_uuid or str(uuid.uuid4())
        noise = random.Random(f"{rid}-{seq}").randbytes(payload)  # incompressible, like a JPEG
        items = [noise, f"sig-{rid}".encode()]
        blob = build_packet(
            manifest(self.code, seq, rid, nik=nik, corrects=corrects, items=items),
            items,
            signing_key=key or self.key,
            central_public=central or self.central_public,
        )
        return Packet(rid, seq, blob)


class Api:
    """A signed-request client over any httpx.Client (a live server or Starlette's TestClient)."""

    def __init__(self, http: httpx.Client, station: FakeStation) -> None:
        self.http = http
        self.station = station

    def send(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        now: datetime | None = None,
        as_code: str | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        signed = sign_headers(
            method, path, body, station=as_code or self.station.code, key=key or self.station.key, now=now, headers=sent
        )
        return self.http.request(method, path, content=body, headers={**signed, **sent})

    def register(self, p: Packet, *, sha256: str | None = None, size: int | None = None) -> httpx.Response:
        body = {"station_seq": p.seq, "sha256": sha256 or p.sha256, "size": size or p.size}
        path = f"/v1/stations/{self.station.code}/records/{p.record_uuid}"
        return self.send("PUT", path, httpx.Request("PUT", "/", json=body).content)

    def head(self, p: Packet) -> httpx.Response:
        return self.send("HEAD", f"/v1/uploads/{self.station.code}/{p.record_uuid}")

    def patch(self, p: Packet, offset: int, chunk: bytes, *, checksum: bytes | None = None) -> httpx.Response:
        digest = hashlib.sha256(chunk if checksum is None else checksum).digest()
        headers = {
            "Content-Type": OFFSET_TYPE,
            "Upload-Offset": str(offset),
            "Upload-Checksum": "sha256 " + base64.b64encode(digest).decode(),
            "Tus-Resumable": "1.0.0",
        }
        return self.send("PATCH", f"/v1/uploads/{self.station.code}/{p.record_uuid}", chunk, headers=headers)

    def commit(self, p: Packet) -> httpx.Response:
        return self.send("POST", f"/v1/uploads/{self.station.code}/{p.record_uuid}/commit")

    def reconcile(self, packets: list[Packet]) -> dict[str, Any]:
        body = {"records": [{"uuid": p.record_uuid, "station_seq": p.seq, "sha256": p.sha256} for p in packets]}
        r = self.send(
            "POST", f"/v1/stations/{self.station.code}/reconcile", httpx.Request("POST", "/", json=body).content
        )
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    def send_all(self, p: Packet, chunk: int = 1024) -> dict[str, Any]:
        assert self.register(p).status_code in (200, 201)
        offset = int(self.head(p).headers["Upload-Offset"])
        while offset < p.size:
            r = self.patch(p, offset, p.blob[offset : offset + chunk])
            assert r.status_code == 204, r.text
            offset = int(r.headers["Upload-Offset"])
        r = self.commit(p)
        assert r.status_code == 200, r.text
        receipt: dict[str, Any] = r.json()
        return receipt


@contextmanager
def serve_in_thread(app: Starlette) -> Iterator[str]:
    """Run `app` under the centre's real uvicorn server (central.server, with the limits of
    the app's settings) on 127.0.0.1, an ephemeral port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = make_server(app, app.state.settings, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class RawAnswer:
    """An HTTP answer read off a raw socket: status, lower-cased headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    """The request head exactly as given (no header added but Host), for raw-socket tests."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def raw_connect(url: str, timeout: float = 10) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def read_answer(sock: socket.socket) -> RawAnswer:
    """Read one answer (Content-Length framed); the socket's timeout bounds every wait."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        assert more, f"the connection closed before an answer: {data!r}"
        data += more
        assert len(data) < 1_000_000
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        assert more, "the connection closed in the middle of an answer"
        rest += more
    return RawAnswer(int(status_line.split()[1]), headers, rest[:length])


def closed_by_peer(sock: socket.socket) -> bool:
    """True if the server closed the connection (EOF or reset) within the socket's timeout."""
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
