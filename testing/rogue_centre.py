"""A rogue centre: anything that answers at the central URL (a spoofed name, a rogue
gateway, a captive portal), on 127.0.0.1 with an ephemeral port.

It speaks just enough of the protocol to take a station's records and then answer
"received" to everything, like the attack in issue 11 (receipt id `FORGED`): each
answer that should carry the centre's verdict is built by a *forgery* chosen by the
test (unsigned, signed by another key, about another record, malformed, huge, deep,
replayed...). It is a raw asyncio HTTP/1.1 server in its own thread, keep-alive,
answering requests in order (so the station's pipelining works against it), with
every read bounded in size and time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire.receipts import sign_ledger, sign_verdict

MAX_HEAD = 64 * 1024
MAX_BODY = 8 * 1024 * 1024
READ_TIMEOUT_S = 10.0


@dataclass
class Seen:
    """A record as the station announced it (register or reconcile)."""

    uuid: str
    station_seq: int
    sha256: str
    size: int = 0
    data: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


def json_reply(obj: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, json.dumps(obj).encode(), (("Content-Type", "application/json"), *headers))


# A forgery turns the record an answer is about into what the rogue puts where the
# verdict goes (or into the whole body, for the malformed ones: see Forgery.body).
Forge = Callable[["RogueCentre", Seen], Any]


@dataclass(frozen=True)
class Forgery:
    name: str
    verdict: Forge | None = None  # the object put where a verdict goes
    body: bytes | None = None  # or the whole answer body, raw


def statement(rogue: RogueCentre, rec: Seen, **changes: Any) -> dict[str, Any]:
    out = {
        "v": 1,
        "state": "received",
        "station": rogue.station,
        "record_uuid": rec.uuid,
        "station_seq": rec.station_seq,
        "sha256": rec.sha256,
        "receipt_id": "FORGED",
        "server_seq": rec.station_seq,
        "received_at": "2024-01-01T00:00:00Z",
        "reason": None,
        "downstream": None,
    }
    out.update(changes)
    return out


def signed(key: Ed25519PrivateKey, rogue: RogueCentre, rec: Seen, **changes: Any) -> dict[str, Any]:
    s = statement(rogue, rec, **changes)
    del s["v"]
    return sign_verdict(key, **s)


class RogueCentre:
    """`forgery` decides every verdict it hands out; `real_key` is the centre's receipt
    key when a case needs a genuine signature (over the wrong thing)."""

    def __init__(self, station: str, forgery: Forgery, *, real_key: Ed25519PrivateKey | None = None) -> None:
        self.station = station
        self.forgery = forgery
        self.real_key = real_key
        self.other_key = Ed25519PrivateKey.generate()
        self.records: dict[str, Seen] = {}
        self.order: list[str] = []  # uuids in the order first seen
        self.requests: list[tuple[str, str]] = []
        self.reconcile_says = "received"  # what a reconcile entry claims: received, rejected, print_ready
        self.register_says = "registered"  # registered, received (with a verdict) or refused (422 with one)
        self.replay: Any = None  # a genuine verdict of another record, for the "replayed" forgery
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> RogueCentre:
        self._thread = threading.Thread(target=self._run, name="rogue-centre", daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the rogue centre did not start"
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._shutdown())
        loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # --- HTTP ------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)  # type: ignore[arg-type]
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
                    return
                if len(head) > MAX_HEAD:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                if length > MAX_BODY:
                    return
                body = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT_S) if length else b""
                self.requests.append((method, target))
                reply = self.answer(method, target, headers, body)
                is_head = method == "HEAD"
                out = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {0 if is_head else len(reply.body)}"]
                out += [f"{k}: {v}" for k, v in reply.headers]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + (b"" if is_head else reply.body))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]
            writer.close()

    # --- the protocol, answered "received" ---------------------------------------

    def _see(self, uuid: str, seq: Any, sha: Any, size: Any = 0) -> Seen:
        rec = self.records.get(uuid)
        if rec is None:
            rec = Seen(uuid, int(seq), str(sha), int(size or 0))
            self.records[uuid] = rec
            self.order.append(uuid)
        return rec

    def verdict(self, rec: Seen) -> Any:
        assert self.forgery.verdict is not None
        return self.forgery.verdict(self, rec)

    def receipt(self, rec: Seen, extra: tuple[tuple[str, str], ...] = ()) -> Reply:
        if self.forgery.body is not None:
            return Reply(200, self.forgery.body, (("Content-Type", "application/json"), *extra))
        return json_reply(self.verdict(rec), 200, extra)

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = target.split("?")[0].strip("/").split("/")
        if parts == ["v1", "health"]:
            return json_reply({"ok": True})
        if method == "PUT" and len(parts) == 5 and parts[3] == "records":
            claim = json.loads(body)
            rec = self._see(parts[4], claim["station_seq"], claim["sha256"], claim["size"])
            if self.register_says != "registered" and self.forgery.body is not None:
                # a malformed forgery is the whole answer (it has no verdict to place)
                status = 200 if self.register_says == "received" else 422
                return Reply(status, self.forgery.body, (("Content-Type", "application/json"),))
            if self.register_says == "received":
                return json_reply({"state": "received", "offset": rec.size, "verdict": self.verdict(rec)})
            if self.register_says == "refused":
                verdict = self.verdict(rec)
                if isinstance(verdict, dict):
                    verdict = {**verdict, "state": "rejected", "receipt_id": None, "server_seq": None}
                    verdict.update(received_at=None, reason="record.hash_conflict")
                error = {"error": "record.hash_conflict", "detail": "forged", "verdict": verdict}
                return json_reply(error, 422)
            return json_reply({"state": "registered", "offset": 0})
        if method == "POST" and parts[-1] == "register":
            out = []
            for r in json.loads(body)["records"]:
                self._see(r["uuid"], r["station_seq"], r["sha256"], r["size"])
                out.append({"uuid": r["uuid"], "state": "registered", "offset": 0})
            return json_reply({"records": out})
        if parts[:2] == ["v1", "uploads"] and len(parts) >= 4:
            rec = self.records[parts[3]]
            if method == "HEAD":
                return Reply(200, b"", (("Upload-Offset", str(len(rec.data))), ("Tus-Resumable", "1.0.0")))
            if method == "PATCH":
                rec.data += body
                offset = (("Upload-Offset", str(len(rec.data))), ("Tus-Resumable", "1.0.0"))
                if headers.get("upload-commit") == "?1" and len(rec.data) >= rec.size:
                    return self.receipt(rec, offset)
                return Reply(204, b"", offset)
            if method == "POST" and parts[-1] == "commit":
                return self.receipt(rec)
        if method == "POST" and parts[-1] == "reconcile":
            return self.reconcile(json.loads(body)["records"])
        return json_reply({"error": "request.invalid", "detail": "the rogue does not know this"}, 400)

    def reconcile(self, asked: list[dict[str, Any]]) -> Reply:
        if self.forgery.body is not None:
            return Reply(200, self.forgery.body, (("Content-Type", "application/json"),))
        entries = []
        for r in asked:
            rec = self._see(r["uuid"], r["station_seq"], r["sha256"])
            says = self.reconcile_says
            downstream = "PRINT_READY" if says == "print_ready" else None
            state = "rejected" if says == "rejected" else "received"
            verdict = self.verdict(rec)
            if isinstance(verdict, dict):
                verdict = {**verdict, "state": state, "downstream": downstream}
                if state == "rejected":
                    verdict.update(receipt_id=None, server_seq=None, received_at=None, reason="packet.forged")
            entries.append(
                {
                    "uuid": rec.uuid,
                    "station_seq": rec.station_seq,
                    "state": state,
                    "offset": 0,
                    "reason": None,
                    "downstream": downstream,
                    "verdict": verdict,
                }
            )
        at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        gaps: list[int] = []
        return json_reply(
            {
                "records": entries,
                "watermark": 10**6,
                "gaps": gaps,
                "at": at,
                "ledger_signature": sign_ledger(
                    self.other_key, station=self.station, watermark=10**6, gaps=gaps, at=at
                ),
            }
        )


def _real(rogue: RogueCentre) -> Ed25519PrivateKey:
    assert rogue.real_key is not None, "this forgery needs the centre's real receipt key"
    return rogue.real_key


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# The cases of the rogue-centre suite. Each must leave every record pending.
FORGERIES: tuple[Forgery, ...] = (
    # the attack: a v1-style receipt that nobody signed
    Forgery(
        "v1_receipt",
        lambda r, rec: {"receipt_id": "FORGED", "server_seq": 1, "received_at": "now", "sha256": rec.sha256},
    ),
    Forgery("unsigned", lambda r, rec: statement(r, rec)),
    Forgery("bad_signature", lambda r, rec: {**statement(r, rec), "signature": "QUJD" * 22}),
    Forgery("other_key", lambda r, rec: signed(r.other_key, r, rec)),
    Forgery("other_station", lambda r, rec: signed(_real(r), r, rec, station="320412-99")),
    Forgery("wrong_hash", lambda r, rec: signed(_real(r), r, rec, sha256=hashlib.sha256(b"other").hexdigest())),
    Forgery("wrong_seq", lambda r, rec: signed(_real(r), r, rec, station_seq=rec.station_seq + 1000)),
    Forgery("altered_after_signing", lambda r, rec: {**signed(_real(r), r, rec), "server_seq": 1, "receipt_id": "X"}),
    Forgery(
        "missing_keys",
        lambda r, rec: {k: v for k, v in signed(_real(r), r, rec).items() if k not in ("station_seq", "sha256")},
    ),
    Forgery("wrong_types", lambda r, rec: signed(_real(r), r, rec, station_seq=str(rec.station_seq))),
    Forgery("verdict_is_a_list", lambda r, rec: [signed(_real(r), r, rec)]),
    Forgery("replayed", lambda r, rec: r.replay),  # a genuine verdict of an earlier record
    Forgery("not_json", body=b"<html><body>Silakan login ke Wi-Fi</body></html>"),
    Forgery("huge", body=b'{"receipt_id": "' + b"F" * (3 * 1024 * 1024) + b'"}'),
    Forgery("deep", body=_deep(100_000)),
)
