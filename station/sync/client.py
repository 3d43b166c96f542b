"""The HTTP client for the central receiver: one keep-alive connection, every request signed.

It turns every way a request can end into either a result or a `SyncError` whose
`outcome` tells the worker what it may conclude (see station.sync.errors). Traps:
- a timeout or reset after the request was sent is *ambiguous*, not a failure;
- a 200 from a captive portal is not the centre: an answer that should speak for a
  record (register, commit, reconcile) but is not JSON of the expected shape is
  `sync.untrusted_answer`; this module only parses (bounded, `wire.canonical.parse_json`),
  the worker verifies the signed verdicts inside (station.sync.trust);
- every request is signed over exactly the headers it carries (protocol v2), so a man in
  the middle can change none of them;
- http:// to another computer is refused unless the station allows it
  (`sync.allow_insecure_http`);
- `Retry-After` is honoured on 429 and 503.

All requests go through one `station.sync.http1.Http1Client` (h11 over a plain or TLS
socket), so the station holds one connection and can pipeline: `send_patch` writes a
PATCH and returns a handle at once, `finish` reads its answer later, and at most
MAX_IN_FLIGHT requests are in flight (the worker keeps a record's
chunks flowing without waiting for each answer, and overlaps the next record's bytes
with the wait for the previous record's receipt; docs/sync-protocol.md, "Round trips").
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.config import insecure_http
from station.sync.errors import SyncError
from station.sync.http1 import (
    CONNECT,
    CONNECT_TIMEOUT,
    MAX_BODY,
    TIMEOUT,
    TOO_LARGE,
    Exchange,
    Http1Client,
    Response,
    TransportError,
)
from wire.auth import sign_headers
from wire.canonical import JsonRefused, parse_json
from wire.codes import QUEUE_TICKET, TURN_OVER

log = logging.getLogger(__name__)

TUS = {"Tus-Resumable": "1.0.0"}
UNTRUSTED = "sync.untrusted_answer"
MAX_IN_FLIGHT = 8  # requests written and not yet answered, on the one connection
PROTOCOL = "sync.protocol"
ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,30}\.[a-z0-9_.]{1,40}")  # the contract's codes: area.name
TICKET_SHAPE = re.compile(r"[0-9]{1,15}\.[0-9a-f]{32}")  # central.queue_ticket: ms since 1970, HMAC
MAX_ANSWER_DEPTH = 8  # the deepest answer is reconcile: {records: [{verdict: {...}}]}


def parse_answer(content: bytes) -> Any:
    """An answer's JSON, bounded in size and depth (ValueError when refused)."""
    try:
        return parse_json(content, max_bytes=MAX_BODY, max_depth=MAX_ANSWER_DEPTH)
    except JsonRefused as exc:
        raise ValueError(exc.detail) from None


def _retry_after(response: Response) -> float | None:
    return _seconds(response.headers.get("Retry-After"))


def _seconds(value: str | None) -> float | None:
    """A header's whole or decimal seconds (Retry-After, X-Turn-Over); None if absent or
    not a number. Never negative; the wait's cap is the backoff's (station.sync.policy)."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _sync_error(exc: TransportError) -> SyncError:
    """The transport's failure as the worker reads it: nothing sent is `sync.offline`;
    anything after sending is ambiguous."""
    if exc.kind == CONNECT:
        return SyncError("sync.offline", exc.detail)
    if exc.kind == CONNECT_TIMEOUT:
        return SyncError("sync.offline", "connect timeout")
    if exc.kind == TIMEOUT:
        return SyncError("sync.timeout", exc.detail)
    if exc.kind == TOO_LARGE:  # no answer of the centre is this big
        return SyncError(UNTRUSTED, exc.detail)
    return SyncError("sync.interrupted", exc.detail)


@dataclass
class PatchHandle:
    """A PATCH on the wire whose answer has not been read yet."""

    record_uuid: str
    offset: int
    size: int  # bytes in this PATCH
    commit: bool
    commit_after: str | None
    exchange: Exchange

    @property
    def started(self) -> float:
        """When writing it began (monotonic)."""
        return self.exchange.started

    @property
    def answered_at(self) -> float | None:
        """When its answer was complete (monotonic), once read."""
        return self.exchange.answered_at


@dataclass
class PatchResult:
    offset: int  # the centre's Upload-Offset after this PATCH
    receipt: dict[str, Any] | None  # the commit's receipt, when the PATCH committed
    deferred: str | None  # Upload-Commit-Deferred: why a requested commit did not happen yet
    turn_over: float | None = None  # X-Turn-Over on the receipt: wait this long before new work


class CentralClient:
    def __init__(
        self,
        base_url: str,
        *,
        station: str,
        signing_key: Ed25519PrivateKey,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 30.0,
        allow_insecure_http: bool = False,
    ) -> None:
        if insecure_http(base_url) and not allow_insecure_http:
            raise SyncError("sync.insecure_http", base_url)
        self.base_url = base_url.rstrip("/")
        self.station = station
        self.key = signing_key
        try:
            self.http = Http1Client(
                self.base_url,
                connect_timeout_s=connect_timeout_s,
                read_timeout_s=read_timeout_s,
                max_in_flight=MAX_IN_FLIGHT,
            )
        except ValueError as exc:  # e.g. STATION_CENTRAL_URL without http:// or https://
            raise SyncError("sync.no_central", str(exc)) from None
        self.bytes_sent = 0
        self.last_rtt_s: float | None = None
        # The centre's X-Queue-Ticket: this station's place in its line while it waits
        # (busy answers, a receipt that ended the turn), sent back with every request so
        # that any of the centre's processes keeps the place; dropped once admitted.
        self.queue_ticket: str | None = None

    def close(self) -> None:
        self.http.close()

    def drop_connection(self) -> None:
        """Close the connection now; answers still awaited are lost (their outcome is unknown)."""
        self.http.drop()

    @property
    def in_flight(self) -> int:
        return self.http.in_flight

    # --- plumbing -------------------------------------------------------------

    def _start(self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Exchange:
        sent = dict(headers or {})
        signed = sign_headers(method, path, body, station=self.station, key=self.key, headers=sent)
        all_headers = {**sent, **signed}
        if self.queue_ticket is not None:  # not signed: it only ever helps its own station
            all_headers[QUEUE_TICKET] = self.queue_ticket
        try:
            return self.http.start(method, path, headers=all_headers, body=body)
        except TransportError as exc:
            raise _sync_error(exc) from None

    def _finish(self, ex: Exchange, body_size: int) -> Response:
        try:
            response = self.http.finish(ex)
        except TransportError as exc:
            raise _sync_error(exc) from None
        self.last_rtt_s = (ex.answered_at or time.monotonic()) - ex.started
        self.bytes_sent += body_size
        self._keep_place(response)
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _keep_place(self, response: Response) -> None:
        """Keep the centre's queue ticket while the station waits; forget it once admitted
        (an answer that is not busy and names no place). A malformed one is ignored."""
        ticket = response.headers.get(QUEUE_TICKET)
        if ticket is not None and TICKET_SHAPE.fullmatch(ticket.strip()):
            self.queue_ticket = ticket.strip()
        elif response.status_code not in (429, 503):
            self.queue_ticket = None

    def _request(self, method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Response:
        return self._finish(self._start(method, path, body, headers), len(body))

    @staticmethod
    def _error(response: Response) -> SyncError:
        status = response.status_code
        if status in (502, 504):
            return SyncError("sync.gateway", str(status), http_status=status)
        if status in (429, 503):
            return SyncError("sync.busy", str(status), retry_after=_retry_after(response), http_status=status)
        try:
            if response.headers.get("X-Error") and not response.content:  # HEAD answers carry no body
                body = {"error": response.headers["X-Error"]}
            else:
                body = parse_answer(response.content)
            code = body["error"]
            if not isinstance(code, str) or not ERROR_CODE.fullmatch(code):
                raise TypeError("error code")
            detail = str(body.get("reason") or body.get("detail") or "")[:200]
            verdict = body.get("verdict")
        except (ValueError, KeyError, TypeError, AttributeError):
            if status >= 500:
                return SyncError("sync.server_error", str(status), http_status=status)
            return SyncError("sync.protocol", f"HTTP {status} without an error code", http_status=status)
        if code == "auth.clock_skew":
            detail = f"{detail}; server time {response.headers.get('X-Server-Date', '?')}"
        if status >= 500:
            return SyncError("sync.server_error", f"{status} {code}", http_status=status)
        return SyncError(code, detail, http_status=status, verdict=verdict)

    @staticmethod
    def _json(response: Response, *keys: str, code: str = UNTRUSTED) -> dict[str, Any]:
        """The answer as a JSON object with `keys`; else SyncError(code). Only the shape is
        checked here: what it claims about a record is verified by the worker."""
        try:
            body = parse_answer(response.content)
        except ValueError as exc:
            raise SyncError(code, f"answer is not JSON of the contract ({exc})") from None
        if not isinstance(body, dict) or any(k not in body for k in keys):
            raise SyncError(code, f"answer lacks {', '.join(keys) or 'a JSON object'}")
        return body

    # --- the protocol (docs/sync-protocol.md) -------------------------------

    def health(self) -> float:
        started = time.monotonic()
        try:
            response = self.http.request("GET", "/v1/health")
        except TransportError as exc:
            raise SyncError("sync.offline", exc.detail) from None
        if response.status_code != 200:
            raise self._error(response)
        self._json(response, "ok", code=PROTOCOL)
        self.last_rtt_s = time.monotonic() - started
        return self.last_rtt_s

    def register(self, record_uuid: str, station_seq: int, sha256: str, size: int) -> dict[str, Any]:
        body = json.dumps({"station_seq": station_seq, "sha256": sha256, "size": size}).encode()
        response = self._request(
            "PUT",
            f"/v1/stations/{self.station}/records/{record_uuid}",
            body,
            {"Content-Type": "application/json"},
        )
        return self._json(response, "state")

    def withdraw(self, record_uuid: str, station_seq: int, sha256: str, reason: str) -> dict[str, Any]:
        """Withdraw a record the supervisor rejected (station.sync.withdrawal): its packet
        never leaves; the answer's signed `withdrawn` verdict explains its station_seq."""
        body = json.dumps({"station_seq": station_seq, "sha256": sha256, "reason": reason}).encode()
        response = self._request(
            "POST",
            f"/v1/stations/{self.station}/records/{record_uuid}/withdraw",
            body,
            {"Content-Type": "application/json"},
        )
        return self._json(response, "state", "verdict")

    def register_many(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Register several queued records in one round trip; per-record refusals come back inline."""
        return self.finish_register_many(self.start_register_many(records))

    def start_register_many(self, records: list[dict[str, Any]]) -> tuple[Exchange, int, int]:
        """Write a batch registration and return at once (the first PATCH can follow it on
        the wire); `finish_register_many` reads the answer."""
        body = json.dumps({"records": records}).encode()
        headers = {"Content-Type": "application/json"}
        return self._start("POST", f"/v1/stations/{self.station}/register", body, headers), len(body), len(records)

    def finish_register_many(self, started: tuple[Exchange, int, int]) -> list[dict[str, Any]]:
        ex, body_size, asked = started
        response = self._finish(ex, body_size)
        answer = self._json(response, "records")["records"]
        if not isinstance(answer, list) or len(answer) > asked:
            raise SyncError(UNTRUSTED, "register answer is not a list of the records asked about")
        return answer

    def head(self, record_uuid: str) -> int:
        response = self._request("HEAD", f"/v1/uploads/{self.station}/{record_uuid}", headers=TUS)
        try:
            return int(response.headers["Upload-Offset"])
        except (KeyError, ValueError):
            raise SyncError("sync.protocol", "HEAD without Upload-Offset") from None

    def send_patch(
        self, record_uuid: str, offset: int, chunk: bytes, *, commit: bool = False, commit_after: str | None = None
    ) -> PatchHandle:
        """Write a PATCH and return at once; `finish` reads the answer. With `commit`, the
        centre commits if this completes the upload; with `commit_after` as well, only if
        that (the station's previous) record is already received, else the answer says
        the commit is deferred. Raises only when nothing could be sent (sync.offline)."""
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers = {
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Upload-Checksum": f"sha256 {digest}",
        }
        if commit:
            headers["Upload-Commit"] = "?1"
            if commit_after is not None:
                headers["Upload-Commit-After"] = commit_after
        ex = self._start("PATCH", f"/v1/uploads/{self.station}/{record_uuid}", chunk, headers)
        return PatchHandle(record_uuid, offset, len(chunk), commit, commit_after if commit else None, ex)

    def finish(self, handle: PatchHandle) -> PatchResult:
        """The outcome of a PATCH started with `send_patch` (answers are read in order)."""
        response = self._finish(handle.exchange, handle.size)
        try:
            new_offset = int(response.headers["Upload-Offset"])
        except (KeyError, ValueError):
            raise SyncError("sync.protocol", "PATCH answer without Upload-Offset") from None
        receipt = None
        if handle.commit and response.status_code == 200:
            receipt = self._json(response)  # the signed verdict; the worker verifies it
        deferred = response.headers.get("Upload-Commit-Deferred") if receipt is None else None
        turn_over = _seconds(response.headers.get(TURN_OVER)) if receipt is not None else None
        return PatchResult(new_offset, receipt, deferred, turn_over)

    def patch(
        self, record_uuid: str, offset: int, chunk: bytes, *, commit: bool = False
    ) -> tuple[int, dict[str, Any] | None]:
        """Append a chunk and wait for the answer; with `commit`, the centre commits if this
        completes the upload and the answer carries the receipt (saving a round trip)."""
        result = self.finish(self.send_patch(record_uuid, offset, chunk, commit=commit))
        return result.offset, result.receipt

    def commit(self, record_uuid: str) -> dict[str, Any]:
        response = self._request("POST", f"/v1/uploads/{self.station}/{record_uuid}/commit")
        return self._json(response)  # the signed verdict; the worker verifies it

    def reconcile(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"records": records}).encode()
        response = self._request(
            "POST", f"/v1/stations/{self.station}/reconcile", body, {"Content-Type": "application/json"}
        )
        answer = self._json(response, "records", "watermark", "gaps")
        if not isinstance(answer["records"], list) or len(answer["records"]) > len(records):
            raise SyncError(UNTRUSTED, "reconcile answer is not a list of the records asked about")
        return answer
