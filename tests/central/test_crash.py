"""kill -9 of the receiver in the middle of a PATCH stream, then restart: nothing acknowledged is lost.

The receiver runs as a real subprocess (`python -m central.cli serve --port 0`). A
PATCH body is streamed half-way, the server is killed with SIGKILL, and after a
restart HEAD must report exactly the bytes committed to the database (whole chunks,
none of the torn one), and the upload must complete with a valid commit whose packet
is in the database. Every wait is bounded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from central.cli import main
from central.db import make_engine, packets, read, upload_chunks
from central.keys import load_keys
from central.settings import normalise_db_url
from tests.central.support import OFFSET_TYPE, FakeStation, Packet
from wire.auth import sign_headers
from wire.keys import load_x25519_public, public_pem
from wire.packet import open_packet

CODE = "329104-01"
CHUNK = 16 * 1024


class Server:
    def __init__(self, home: Path, db_url: str, log: Path) -> None:
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "central.cli", "serve", "--home", str(home), "--db", db_url, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self.log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        assert ready, "the receiver printed no address within 30 s"
        line = self.proc.stdout.readline().decode()
        assert "serving on http://" in line, line + log.read_text()
        self.url = line.strip().rsplit(" ", 1)[-1]
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and self.proc.poll() is None, log.read_text()
            time.sleep(0.05)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.log.close()


def _signed(st: FakeStation, method: str, path: str, body: bytes, **extra: str) -> dict[str, str]:
    return {**sign_headers(method, path, body, station=st.code, key=st.key, headers=extra), **extra}


def _patch_headers(st: FakeStation, p: Packet, offset: int, chunk: bytes) -> dict[str, str]:
    path = f"/v1/uploads/{st.code}/{p.record_uuid}"
    return _signed(
        st,
        "PATCH",
        path,
        chunk,
        **{
            "Content-Type": OFFSET_TYPE,
            "Upload-Offset": str(offset),
            "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode(),
            "Tus-Resumable": "1.0.0",
        },
    )


def _head(url: str, st: FakeStation, p: Packet) -> int:
    path = f"/v1/uploads/{st.code}/{p.record_uuid}"
    r = httpx.head(url + path, headers=_signed(st, "HEAD", path, b""), timeout=10)
    assert r.status_code == 200, r.headers
    return int(r.headers["Upload-Offset"])


def _patch(url: str, st: FakeStation, p: Packet, offset: int) -> int:
    chunk = p.blob[offset : offset + CHUNK]
    r = httpx.patch(
        f"{url}/v1/uploads/{st.code}/{p.record_uuid}",
        content=chunk,
        headers=_patch_headers(st, p, offset, chunk),
        timeout=10,
    )
    assert r.status_code == 204, r.text
    return int(r.headers["Upload-Offset"])


def _kill_mid_patch(server: Server, st: FakeStation, p: Packet, offset: int) -> None:
    """Stream half of the next chunk, then SIGKILL the server while it waits for the rest."""
    chunk = p.blob[offset : offset + CHUNK]
    half_sent, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def body() -> Iterator[bytes]:
        yield chunk[: len(chunk) // 2]
        half_sent.set()
        release.wait(20)
        yield chunk[len(chunk) // 2 :]

    def send() -> None:
        try:
            outcome.append(
                httpx.patch(
                    f"{server.url}/v1/uploads/{st.code}/{p.record_uuid}",
                    content=body(),
                    headers=_patch_headers(st, p, offset, chunk),
                    timeout=20,
                )
            )
        except httpx.TransportError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    assert half_sent.wait(20), "the PATCH body never started"
    time.sleep(0.2)  # let the server read the first half
    server.kill()
    release.set()
    sender.join(30)
    assert not sender.is_alive() and outcome and not isinstance(outcome[0], httpx.Response), outcome


@pytest.mark.timeout(120)
def test_sigkill_mid_patch_then_restart_resumes_from_the_durable_offset(
    central_home: Path, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--home", str(central_home), "--db", db_url]) == 0
    st = FakeStation(CODE, load_x25519_public(load_keys(central_home).public_pem()))
    (tmp_path / "st.pub").write_bytes(public_pem(st.key))
    assert main(["stations", "add", "--code", CODE, "--public-key", str(tmp_path / "st.pub"), "--db", db_url]) == 0
    capsys.readouterr()
    p = st.packet(1, payload=5 * CHUNK)
    log = tmp_path / "server.log"
    engine = make_engine(normalise_db_url(db_url))

    def stored_chunks() -> list[int]:
        with read(engine) as conn:
            return list(conn.execute(sa.select(upload_chunks.c.length).order_by(upload_chunks.c.start)).scalars())

    server = Server(central_home, db_url, log)
    try:
        path = f"/v1/stations/{CODE}/records/{p.record_uuid}"
        body = httpx.Request("PUT", "/", json={"station_seq": 1, "sha256": p.sha256, "size": p.size}).content
        assert httpx.put(server.url + path, content=body, headers=_signed(st, "PUT", path, body)).status_code == 201
        offset = _patch(server.url, st, p, 0)
        for _ in range(3):  # three kills, each in the middle of a chunk's body
            _kill_mid_patch(server, st, p, offset)
            server.stop()
            chunks = stored_chunks()
            durable = sum(chunks)
            assert durable == offset  # the acknowledged bytes, and nothing of the torn chunk
            assert chunks == [CHUNK] * len(chunks)
            server = Server(central_home, db_url, log)
            assert _head(server.url, st, p) == durable
            offset = _patch(server.url, st, p, offset)
        for _ in range(20):
            if offset >= p.size:
                break
            offset = _patch(server.url, st, p, offset)
        assert offset == p.size
        commit_path = f"/v1/uploads/{CODE}/{p.record_uuid}/commit"
        r = httpx.post(server.url + commit_path, headers=_signed(st, "POST", commit_path, b""), timeout=10)
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert receipt["sha256"] == p.sha256 and receipt["server_seq"] == 1
        server.kill()  # the receipt was answered, so it must survive a crash too
        server.stop()
        server = Server(central_home, db_url, log)
        r = httpx.post(server.url + commit_path, headers=_signed(st, "POST", commit_path, b""), timeout=10)
        assert r.json() == receipt
        assert stored_chunks() == []  # the commit took them
    finally:
        server.stop()
    with read(engine) as conn:
        stored = conn.execute(sa.select(packets.c.data).where(packets.c.record_uuid == p.record_uuid)).scalar_one()
    engine.dispose()
    opened = open_packet(stored, central_private=load_keys(central_home).packet_key, station_public=st.key.public_key())
    assert opened.header["record_uuid"] == p.record_uuid
