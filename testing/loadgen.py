"""A lean asyncio load generator that speaks the station's sync protocol to a real centre.

Hundreds of simulated stations share one process and one event loop. Each holds its own
Ed25519 key and prebuilt REAL packets (wire.packet.build_packet: signed by the station,
encrypted to the centre's packet key, items sized like an enrollment), and sends them the
way station.sync.worker does (docs/sync-protocol.md):
- registers the next queued records in one batch (`POST .../register`, up to 100);
- sends each packet in PATCH chunks with `Upload-Checksum`, the last one carrying
  `Upload-Commit: ?1`, and takes the 200's verdict only after `wire.receipts.verify_verdict`
  passes against its own station, uuid, station_seq and packet hash;
- after any failure but a busy answer (the centre did nothing then), asks the centre
  (`PUT .../records/{uuid}`) where the record stands before sending on, and commits with
  `POST .../commit` when all bytes are there;
- on 503 or 429 waits the `Retry-After` with the station's own jitter
  (station.sync.policy.Backoff, the same call the worker makes), per record;
- after a receipt carrying `X-Turn-Over` (its turn is used up while others wait) waits
  those seconds the same way before its next record;
- sends back the centre's `X-Queue-Ticket` (its place in line) until it is admitted.
Every request is signed over exactly the headers it carries (wire.auth.canonical_request).

Why not the station's own client: it is blocking (one thread per station) and 500 threads
would cost the 2 cores more than the centre under test. What is different: no
Upload-Commit-After pipelining (on loopback a round trip is ~0, the saving it exists for),
and body digests are computed once when the packet is built, not per request.

Traps:
- A centre that refuses a request before reading its body closes the connection; an
  asyncio StreamReader would then raise the reset and lose the answer already received.
  `_Wire` keeps every byte that arrived, so a 503 sent before a reset is still read.
- Classification is the benchmark's verdict: 503 `server.busy` with Retry-After and 429
  are back-pressure; everything else that is not success (timeouts, resets, other 4xx/5xx,
  a 503 without Retry-After, a receipt that does not verify) is an error.
- A record whose commit may have happened without our hearing of it (an error after its
  last PATCH was sent) is `ambiguous`: the ledger check accepts it received or not, once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import time
import uuid as uuidlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from central.server import KEEP_ALIVE_S
from station.sync.policy import Backoff
from wire.auth import DATE_FORMAT, canonical_request, new_nonce
from wire.codes import QUEUE_TICKET, TURN_OVER
from wire.packet import build_packet
from wire.receipts import UntrustedAnswer, verify_verdict

REGISTER_BATCH = 100  # station.sync.worker.register_ahead's limit
MAX_HEAD = 64 * 1024
MAX_ANSWER = 2 * 1024 * 1024
KEEP_ALIVE_REUSE_S = KEEP_ALIVE_S - 1.0  # reconnect before the centre closes an idle connection
JSON = {"Content-Type": "application/json"}


# --- packets (built in a process pool, before anything is timed) ---------------------------


@dataclass(frozen=True)
class Chunk:
    offset: int
    data: bytes
    sha256_hex: str  # X-Content-SHA256 of this PATCH
    checksum: str  # Upload-Checksum: "sha256 BASE64" of the same bytes


@dataclass(frozen=True)
class SimPacket:
    uuid: str
    seq: int
    sha256: str
    size: int
    chunks: tuple[Chunk, ...]


def _items(rng: random.Random, total: int) -> list[tuple[str, str, bytes]]:
    """Face, ten fingers, a signature and two irises, incompressible like JPEG, WSQ and
    JPEG 2000, `total` bytes in the shares of a real enrollment (tests/station/
    test_wire_budget.py: two K3 irises of about 20.5 KB each in a packet of about 136 KB)."""
    face, sig, iris = int(total * 0.28), int(total * 0.06), int(total * 0.15)
    finger = (total - face - sig - 2 * iris) // 10
    sizes = [("face", "jpeg", face), *((f"finger_{i}", "iso19794_4", finger) for i in range(1, 11))]
    sizes += [("signature", "png", sig), ("iris_right", "iso19794-6", iris), ("iris_left", "iso19794-6", iris)]
    return [(kind, fmt, rng.randbytes(n)) for kind, fmt, n in sizes]


def build_station_packets(
    code: str,
    key_pem: bytes,
    central_raw: bytes,
    first_seq: int,
    count: int,
    packet_bytes: int,
    chunk_bytes: int,
    seed: int,
) -> list[SimPacket]:
    """`count` real packets of station `code` from `first_seq` on (top level: runs in a pool)."""
    key = load_pem_private_key(key_pem, None)
    assert isinstance(key, Ed25519PrivateKey)
    central = X25519PublicKey.from_public_bytes(central_raw)
    rng = random.Random(seed)
    out: list[SimPacket] = []
    for seq in range(first_seq, first_seq + count):
        record_uuid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
        items = _items(rng, max(1024, packet_bytes - 2600))  # the manifest and header take ~2.6 KB
        manifest = {
            "v": 1,
            "station": code,
            "record_uuid": record_uuid,
            "station_seq": seq,
            "reg_no": f"{code}-{seq:06d}",
            "operator": "bench",
            "sealed_at": "2026-12-01T10:00:00+00:00",
            "corrects_uuid": None,
            "demographics": {"nik": f"{rng.randrange(10**15, 10**16)}", "nama": "BENCH", "kecamatan": "BENCH"},
            "items": [
                {
                    "kind": kind,
                    "format": fmt,
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "quality": 80,
                    "exception_reason": None,
                    "exception_note": None,
                    "approved_by": None,
                    "device_driver": "simulated",
                    "device_model": "bench",
                    "device_serial": "0",
                    "simulated": True,
                    "captured_at": "2026-12-01T09:59:00+00:00",
                }
                for kind, fmt, data in items
            ],
        }
        blob = build_packet(manifest, [d for _, _, d in items], signing_key=key, central_public=central)
        chunks = []
        for offset in range(0, len(blob), chunk_bytes):
            data = blob[offset : offset + chunk_bytes]
            digest = hashlib.sha256(data).digest()
            chunks.append(Chunk(offset, data, digest.hex(), "sha256 " + base64.b64encode(digest).decode()))
        out.append(SimPacket(record_uuid, seq, hashlib.sha256(blob).hexdigest(), len(blob), tuple(chunks)))
    return out


# --- one keep-alive HTTP/1.1 connection -------------------------------------------------------


class LoadError(Exception):
    """A request that ended in anything but success; `kind` names it for the tally."""

    def __init__(self, kind: str, *, busy: bool = False, retry_after: float | None = None, sent: bool = True) -> None:
        super().__init__(kind)
        self.kind = kind
        self.busy = busy
        self.retry_after = retry_after
        self.sent = sent


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Wire(asyncio.Protocol):
    """Keeps every byte received, even when a reset follows (see the module's traps)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.closed = False
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def more(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


class Connection:
    """One station's keep-alive connection; reopened when the centre closed it or it idled."""

    def __init__(self, host: str, port: int, *, timeout_s: float) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._wire: _Wire | None = None
        self._last_used = 0.0
        self.opened = 0

    def close(self) -> None:
        if self._wire is not None and self._wire.transport is not None:
            self._wire.transport.close()
        self._wire = None

    async def _ready(self) -> _Wire:
        wire = self._wire
        if wire is None or wire.closed or time.monotonic() - self._last_used > KEEP_ALIVE_REUSE_S:
            self.close()
            try:
                _, fresh = await asyncio.wait_for(
                    asyncio.get_running_loop().create_connection(_Wire, self.host, self.port), self.timeout_s
                )
            except (OSError, TimeoutError):
                raise LoadError("connect", sent=False) from None
            self._wire = wire = fresh
            self.opened += 1
        return wire

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        wire = await self._ready()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        assert wire.transport is not None
        wire.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if body:
            wire.transport.write(body)
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._read(wire, method)
        except TimeoutError:
            self.close()
            raise LoadError(f"timeout ({method})") from None
        except LoadError as exc:
            self.close()
            raise LoadError(f"{exc.kind} ({method}{' with body' if body else ''})") from None
        self._last_used = time.monotonic()
        if answer.headers.get("connection", "").lower() == "close" or wire.closed:
            self.close()
        return answer

    async def _read(self, wire: _Wire, method: str) -> Answer:
        while (end := wire.buf.find(b"\r\n\r\n")) < 0:
            if wire.closed or len(wire.buf) > MAX_HEAD:
                raise LoadError("reset" if wire.closed else "bad_answer")
            await wire.more()
        head = bytes(wire.buf[:end]).decode("latin-1").split("\r\n")
        try:
            status = int(head[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise LoadError("bad_answer") from None
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if method == "HEAD" or status in (204, 304) else int(headers.get("content-length", "0") or 0)
        if length > MAX_ANSWER:
            raise LoadError("bad_answer")
        while len(wire.buf) < end + 4 + length:
            if wire.closed:
                raise LoadError("reset")
            await wire.more()
        body = bytes(wire.buf[end + 4 : end + 4 + length])
        del wire.buf[: end + 4 + length]
        return Answer(status, headers, body)


# --- the stations ---------------------------------------------------------------------------


@dataclass
class SimStation:
    index: int
    code: str
    key: Ed25519PrivateKey
    packets: list[SimPacket]


@dataclass
class PhaseLog:
    """What the stations saw: deliveries, commit latencies, back-pressure and errors."""

    deliveries: list[tuple[float, int]] = field(default_factory=list)  # (monotonic, station index)
    commit_ms: list[tuple[float, float]] = field(default_factory=list)  # (monotonic done, latency)
    busy: Counter[str] = field(default_factory=Counter)
    turns_over: int = 0  # receipts that ended the station's turn (X-Turn-Over)
    retry_after_s: list[float] = field(default_factory=list)  # what the centre asked, per busy answer
    waits_s: list[float] = field(default_factory=list)  # what the stations then waited (jitter included)
    # per station index: (monotonic, seconds asked) of each busy answer, for who waited how long
    station_busy: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    request_times: list[float] = field(default_factory=list)  # monotonic, when each was sent
    receipts: dict[str, dict[str, int]] = field(default_factory=dict)  # station -> uuid -> server_seq
    ambiguous: set[tuple[str, str]] = field(default_factory=set)  # (station, uuid)
    sent_upto: dict[str, int] = field(default_factory=dict)  # station -> packets resolved
    connections: int = 0
    started: float = 0.0  # monotonic time the stations were let go


def _turn_over(answer: Answer) -> float | None:
    """The seconds of a receipt's X-Turn-Over (wire.codes.TURN_OVER), if it carries one."""
    value = answer.headers.get(TURN_OVER.lower())
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _classify(answer: Answer) -> LoadError:
    code = answer.headers.get("x-error", "")
    retry = answer.headers.get("retry-after")
    try:
        retry_after = float(retry) if retry is not None else None
    except ValueError:
        retry_after = None
    if answer.status == 429 or (answer.status == 503 and code == "server.busy" and retry_after is not None):
        return LoadError(f"{answer.status} {code}".strip(), busy=True, retry_after=retry_after)
    if answer.status == 503 and retry_after is None:
        return LoadError(f"503 {code or 'plain'} without Retry-After")
    return LoadError(f"{answer.status} {code or 'no code'}")


class StationClient:
    """One simulated station draining its queue into the centre, as station.sync.worker does."""

    def __init__(self, station: SimStation, conn: Connection, receipt_key: Ed25519PublicKey, log: PhaseLog) -> None:
        self.st, self.conn, self.receipt_key, self.log = station, conn, receipt_key, log
        self.backoff = Backoff()
        self.next = 0  # index of the head record
        self.registered = 0  # records [0, registered) were registered in a batch
        self.check_first = False  # the last attempt failed: ask the centre before sending on
        self.queue_ticket: str | None = None  # X-Queue-Ticket: our place in the centre's line
        self.log.receipts.setdefault(station.code, {})
        self._date_at = -1
        self._date = ""

    # signing -------------------------------------------------------------------------

    def _signed(self, method: str, path: str, body_sha256: str, headers: dict[str, str]) -> dict[str, str]:
        now = int(time.time())
        if now != self._date_at:
            self._date_at, self._date = now, datetime.fromtimestamp(now, UTC).strftime(DATE_FORMAT)
        nonce = new_nonce()
        message = canonical_request(
            method, path, station=self.st.code, date=self._date, nonce=nonce, body_sha256=body_sha256, headers=headers
        )
        signature = base64.b64encode(self.st.key.sign(message)).decode()
        return {
            **headers,
            "X-Station": self.st.code,
            "X-Date": self._date,
            "X-Nonce": nonce,
            "X-Content-SHA256": body_sha256,
            "X-Signature": signature,
        }

    async def _call(
        self, method: str, path: str, headers: dict[str, str], body: bytes, sha: str | None = None
    ) -> Answer:
        digest = sha or hashlib.sha256(body).hexdigest()
        self.log.requests += 1
        self.log.request_times.append(time.monotonic())
        signed = self._signed(method, path, digest, headers)
        if self.queue_ticket is not None:  # the place in line, as the station's client sends it
            signed[QUEUE_TICKET] = self.queue_ticket
        answer = await self.conn.request(method, path, signed, body)
        ticket = answer.headers.get(QUEUE_TICKET.lower())
        if ticket is not None:
            self.queue_ticket = ticket
        elif answer.status not in (429, 503):
            self.queue_ticket = None
        if answer.status >= 400:
            raise _classify(answer)
        return answer

    # the protocol ----------------------------------------------------------------------

    def _verified(self, pkt: SimPacket, verdict: Any) -> int:
        try:
            v = verify_verdict(
                self.receipt_key,
                verdict,
                station=self.st.code,
                record_uuid=pkt.uuid,
                station_seq=pkt.seq,
                sha256=pkt.sha256,
                state="received",
            )
        except UntrustedAnswer:
            raise LoadError("bad_receipt") from None
        assert v.server_seq is not None
        return v.server_seq

    def _received(self, pkt: SimPacket, server_seq: int) -> None:
        self.log.receipts[self.st.code][pkt.uuid] = server_seq
        self.log.ambiguous.discard((self.st.code, pkt.uuid))
        self.log.deliveries.append((time.monotonic(), self.st.index))
        self.next += 1
        self.log.sent_upto[self.st.code] = self.next

    async def _register_batch(self) -> None:
        batch = self.st.packets[self.next : self.next + REGISTER_BATCH]
        body = json.dumps(
            {"records": [{"uuid": p.uuid, "station_seq": p.seq, "sha256": p.sha256, "size": p.size} for p in batch]}
        ).encode()
        answer = await self._call("POST", f"/v1/stations/{self.st.code}/register", JSON, body)
        states = {a.get("uuid"): a for a in answer.json()["records"]}
        if any(states.get(p.uuid, {}).get("state") not in ("registered", "partial") for p in batch):
            self.check_first = True  # something other than a fresh registration: ask per record
        self.registered = self.next + len(batch)

    async def _where(self, pkt: SimPacket) -> int | None:
        """Ask the centre about the head record; None once it turned out received."""
        body = json.dumps({"station_seq": pkt.seq, "sha256": pkt.sha256, "size": pkt.size}).encode()
        answer = (await self._call("PUT", f"/v1/stations/{self.st.code}/records/{pkt.uuid}", JSON, body)).json()
        if answer.get("state") == "received":
            self._received(pkt, self._verified(pkt, answer.get("verdict")))
            return None
        if answer.get("state") not in ("registered", "partial"):
            raise LoadError(f"register state {answer.get('state')}")
        return int(answer.get("offset") or 0)

    async def _upload(self, pkt: SimPacket, offset: int) -> float | None:
        """Send the record; the seconds of an X-Turn-Over on its receipt, if any."""
        path = f"/v1/uploads/{self.st.code}/{pkt.uuid}"
        for chunk in pkt.chunks:
            if chunk.offset + len(chunk.data) <= offset:
                continue
            if chunk.offset != offset:  # the centre holds part of a chunk: a fresh one from there
                raise LoadError("offset_inside_chunk")
            last = chunk is pkt.chunks[-1]
            headers = {
                "Tus-Resumable": "1.0.0",
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Upload-Checksum": chunk.checksum,
            }
            if last:
                headers["Upload-Commit"] = "?1"
                self.log.ambiguous.add((self.st.code, pkt.uuid))  # until its answer is read
            started = time.monotonic()
            answer = await self._call("PATCH", path, headers, chunk.data, chunk.sha256_hex)
            if last and answer.status == 200:
                self._received(pkt, self._verified(pkt, answer.json()))
                done = time.monotonic()
                self.log.commit_ms.append((done, (done - started) * 1000))
                return _turn_over(answer)
            offset = int(answer.headers.get("upload-offset", "-1"))
        if offset == pkt.size:  # all bytes there but not committed (deferred, or a lost answer)
            self.log.ambiguous.add((self.st.code, pkt.uuid))
            answer = await self._call("POST", f"{path}/commit", {}, b"")
            self._received(pkt, self._verified(pkt, answer.json()))
            return _turn_over(answer)
        raise LoadError("upload_incomplete")

    async def send_one(self) -> float | None:
        pkt = self.st.packets[self.next]
        if self.next >= self.registered:
            await self._register_batch()
        offset = 0
        if self.check_first:
            where = await self._where(pkt)
            if where is None:
                return None
            offset = where
            self.check_first = False
        return await self._upload(pkt, offset)

    async def run(self, stop_at: float) -> None:
        attempts = 0
        while self.next < len(self.st.packets) and time.monotonic() < stop_at:
            try:
                turn_over = await self.send_one()
                attempts = 0
                if turn_over is not None:  # the receipt ended our turn: wait as the station's worker does
                    self.log.turns_over += 1
                    delay = self.backoff.delay(1, turn_over)
                    self.log.waits_s.append(delay)
                    await asyncio.sleep(max(0.0, min(delay, stop_at - time.monotonic())))
            except LoadError as exc:
                attempts += 1
                self.check_first = self.check_first or not exc.busy  # busy: the centre did nothing
                retry_after = exc.retry_after
                if exc.busy:
                    self.log.busy[exc.kind] += 1
                    self.log.retry_after_s.append(exc.retry_after or 0.0)
                    self.log.station_busy.setdefault(self.st.index, []).append(
                        (time.monotonic(), exc.retry_after or 0.0)
                    )
                else:
                    self.log.errors[exc.kind] += 1
                    retry_after = None
                    if exc.sent:
                        self.conn.close()
                delay = self.backoff.delay(attempts, retry_after)
                self.log.waits_s.append(delay)
                # a wait past the phase's end still lasts until then: a station that left at
                # once would end the phase early and empty its window
                await asyncio.sleep(max(0.0, min(delay, stop_at - time.monotonic())))


async def run_stations(
    stations: Sequence[SimStation],
    targets: Sequence[tuple[str, int]],
    receipt_key: Ed25519PublicKey,
    *,
    seconds: float,
    drain_s: float = 30.0,
    start_spread_s: float = 1.0,
    timeout_s: float = 30.0,
    log: PhaseLog | None = None,
) -> PhaseLog:
    """All `stations` send for `seconds` (station i to targets[i % len]); then each finishes
    the record it is on, for at most `drain_s` more, and stops. Bounded in time."""
    log = log or PhaseLog()
    log.started = time.monotonic()
    stop_at = log.started + seconds
    conns: list[Connection] = []

    async def one(st: SimStation) -> None:
        await asyncio.sleep(random.uniform(0, start_spread_s))  # counters open over a second, not in one tick
        host, port = targets[st.index % len(targets)]
        conn = Connection(host, port, timeout_s=timeout_s)
        conns.append(conn)
        try:
            await StationClient(st, conn, receipt_key, log).run(stop_at)
        finally:
            conn.close()

    tasks = [asyncio.create_task(one(st)) for st in stations]
    _, late = await asyncio.wait(tasks, timeout=seconds + drain_s)
    for task in late:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    log.connections = sum(c.opened for c in conns)
    return log


def check_ledger(report: dict[str, Any], log: PhaseLog) -> dict[str, Any]:
    """Exactly once, from `station-central report --json` against what the stations hold.

    Every record a station holds a verified receipt for is received at the centre under
    that receipt's server_seq (none lost or falsely acknowledged); every record the centre
    received is one a station holds a receipt for, or one whose answer was lost
    (ambiguous); no packet was committed twice and no station_seq received twice; per
    station, server_seq rises with station_seq and there are no gaps."""
    lost = false_ack = unexplained = ambiguous_received = order = received = 0
    by_station = {s["station"]: s for s in report["stations"]}
    for code, mine in log.receipts.items():
        held = {
            r["record_uuid"]: r for r in by_station.get(code, {"records": []})["records"] if r["status"] == "received"
        }
        received += len(held)
        for record_uuid, server_seq in mine.items():
            row = held.get(record_uuid)
            if row is None:
                lost += 1
            elif row["server_seq"] != server_seq:
                false_ack += 1
        for record_uuid in held.keys() - mine.keys():
            if (code, record_uuid) in log.ambiguous:
                ambiguous_received += 1
            else:
                unexplained += 1
        ordered = sorted(held.values(), key=lambda r: r["station_seq"])
        order += sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if a["server_seq"] >= b["server_seq"])
    gaps = sum(len(s["gaps"]) for s in report["stations"])
    seq_twice = sum(len(s["seq_received_twice"]) for s in report["stations"])
    result = {
        "receipts_held": sum(len(m) for m in log.receipts.values()),
        "received_at_centre": received,
        "lost": lost,
        "falsely_acknowledged": false_ack,
        "received_without_receipt_unexplained": unexplained,
        "received_answer_lost": ambiguous_received,
        "committed_more_than_once": int(report["committed_more_than_once"]),
        "seq_received_twice": seq_twice,
        "order_violations": order,
        "gaps": gaps,
    }
    result["ok"] = all(
        result[k] == 0 for k in result if k not in ("receipts_held", "received_at_centre", "received_answer_lost")
    )
    return result
