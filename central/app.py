"""The HTTP face of the receiver: Starlette routes for docs/sync-protocol.md (v2), served by uvicorn.

Every authenticated route goes through `_signed`, which answers in this order and
reads no body byte before the last step (docs/sync-protocol.md "Order of checks"):
1. the signature, from the headers alone (wire.auth.verify_headers; CPU only, the
   station's key cached in the process), and the station in the URL is the signer;
2. admission by turn (central.gate): a station holding a turn passes, others wait in
   order (503 `server.busy` + Retry-After from the backlog), before any database work;
3. the nonce is fresh (central.nonces, a database write; a repeat is `auth.replay`);
4. the declared Content-Length against the route's cap (`upload.too_large` for a
   PATCH, bounded by the packet limit; `request.too_large` for JSON);
5. the route's own header checks (a PATCH's Content-Type, offset, checksum...);
6. room in the in-flight byte budget (central.admission; else 503 `server.busy`);
7. only then the body, bounded by the cap while it streams and by the body-read
   timeouts (408 `request.timeout`), and its hash against the signed one;
8. a work slot (central.admission.WorkSlots, a short bounded wait, else 503), held
   while the handler works.
Why admission before the nonce: a refused request then costs no database write, so
shedding stays cheap under a flood. The replay guarantee is unchanged: no request is
acted on before its nonce is inserted in the shared table, whichever process it
reaches; a refused request leaves no nonce, and acting on a later copy of it acts on
it once (its first and only time), as for any request. A replayed copy can at most
hold a turn of its own station until its nonce is refused.
Traps:
- An answer given before the body was read is sent with `Connection: close`
  (`_CloseUnreadBodies`), so the unread bytes are never parsed as a next request and
  the connection is not held while a client trickles them; a body of at most
  DRAIN_MAX is first read and dropped (at most DRAIN_S), so that the close does not
  send a reset that overtakes the answer.
- Registration batches and a PATCH that commits use Receiver.register_many and
  Receiver.append_and_commit: one locked transaction for a batch, and a record's last
  chunk verified and stored with it, instead of a transaction per step.
- The headers are taken once, into one dict, and a signed header sent twice is
  refused: otherwise the signature could cover one copy and the handler act on another.
- Record ids (URL, register batch, reconcile, Upload-Commit-After) are turned into
  their canonical lower-case form here, and answers echo that form.
- JSON is parsed with wire.canonical.parse_json (size and depth caps): 413 or 400,
  never a RecursionError turned into a 500.
- HEAD answers carry no body; the error code also travels in X-Error so a station
  can still tell "not registered" from "bad signature" on a HEAD.
- A PATCH chunk is only written after its signature and Upload-Checksum verified.
- A PATCH with `Upload-Commit: ?1` and `Upload-Commit-After: UUID` comes from a station
  that pipelines: it commits only if that earlier record is resolved, else it answers
  204 with `Upload-Commit-Deferred: commit.out_of_order` (the bytes are kept).
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central import server
from central.admission import Admission, WorkSlots
from central.errors import CentralError
from central.gate import SessionGate, Shed
from central.ledger import iso
from central.metrics import CONTENT_TYPE, Metrics
from central.nonces import NonceStore, NonceStoreUnavailable
from central.queue_ticket import HEADER as TICKET
from central.queue_ticket import QueueTickets
from central.receiver import Receiver, utcnow
from central.settings import Settings
from central.stations import StationKeys
from central.withdrawals import withdraw
from wire.auth import DATE_FORMAT, HEADERS, SIGNED_HEADERS, AuthFailure, SignedRequest, check_body, verify_headers
from wire.canonical import JsonRefused, canonical_uuid, parse_json
from wire.codes import COMMIT_OUT_OF_ORDER, TURN_OVER  # Upload-Commit-Deferred; a receipt that ends a turn

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"
MAX_RECONCILE = 5000
MAX_REGISTER_BATCH = 500
BODY_DONE = "central.body_done"  # scope key: the whole request body has been read
ONCE_ONLY = frozenset(h.lower() for h in HEADERS) | frozenset(SIGNED_HEADERS) | {"content-length"}
DRAIN_MAX = 512 * 1024  # an unread body up to this size is read and dropped before a refusal (_CloseUnreadBodies)
DRAIN_S = 1.0
CROWDED_WAIT_S = 1.0  # no new turn while the work slots' queue would take longer than this to drain


@dataclass(frozen=True)
class Signed:
    """An authenticated request: who sent it, its headers (one value each) and its body."""

    station: str
    headers: dict[str, str]
    body: bytes
    body_sha256: bytes  # of `body`, checked against the signed X-Content-SHA256 (not computed again)


Handler = Callable[[Request, Signed], Awaitable[Response]]
Precheck = Callable[[dict[str, str]], None]


def _receiver(request: Request) -> Receiver:
    receiver: Receiver = request.app.state.receiver
    return receiver


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _headers(request: Request) -> dict[str, str]:
    """The request's headers, lower-cased, each meaning-carrying one present at most once."""
    out: dict[str, str] = {}
    for raw_name, raw_value in request.scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in out and name in ONCE_ONLY:
            raise CentralError("request.invalid", f"the header {name} is sent more than once")
        out[name] = value
    return out


def _refused(request: Request, exc: AuthFailure, now: datetime) -> CentralError:
    extra = {"X-Server-Date": now.strftime(DATE_FORMAT)} if exc.code == "auth.clock_skew" else None
    log.info("refused %s %s: %s", request.method, request.scope["path"], exc.code)
    return CentralError(exc.code, exc.detail, headers=extra)


def _verify_signature(request: Request, headers: dict[str, str], keys: Any) -> SignedRequest:
    """The signature from the headers alone; `keys` gives a station's key (or None)."""
    now = _receiver(request).clock()
    try:
        return verify_headers(
            request.method,
            request.scope["path"],
            headers,
            public_key_for=keys,
            now=now,
            skew_s=_settings(request).skew_s,
        )
    except AuthFailure as exc:
        raise _refused(request, exc, now) from None


async def _authenticate(request: Request, headers: dict[str, str]) -> SignedRequest:
    """The signature, on the event loop when the station's key is cached (no thread
    needed to refuse a request), else in a worker thread that reads the key."""
    keys: StationKeys = _receiver(request).station_keys
    station = headers.get("x-station", "")
    key = keys.cached(station)
    if key is not None:  # the key taken once: a cache entry expiring meanwhile cannot make it "unknown"
        return _verify_signature(request, headers, lambda code: key if code == station else None)
    return await run_in_threadpool(_verify_signature, request, headers, keys.lookup)


async def _check_nonce(request: Request, signed: SignedRequest) -> None:
    """The nonce is new for this station, in the shared table (central.nonces: on
    PostgreSQL from the event loop, no worker thread)."""
    now = _receiver(request).clock()
    nonces: NonceStore = request.app.state.nonces
    if not await nonces.remember_async(signed.station, signed.nonce, now):
        exc = AuthFailure("auth.replay", "this request was already received (its X-Nonce is not new)")
        raise _refused(request, exc, now)


def _starts_work(request: Request, headers: dict[str, str]) -> bool:
    """Whether the request begins something (a pass, a record) rather than continuing one:
    a HEAD, a commit and a PATCH past offset 0 continue the record a turn has started."""
    if request.method == "HEAD" or request.scope["path"].endswith("/commit"):
        return False
    if request.method == "PATCH":
        return headers.get("upload-offset", "").strip() in ("0", "")
    return True


def _declared_length(headers: dict[str, str], cap: int, code: str) -> int | None:
    """The declared body size (None: streamed without one), refused at once if over `cap`."""
    raw = headers.get("content-length")
    if raw is None:
        return 0 if "transfer-encoding" not in headers else None
    if not raw.strip().isdigit() or len(raw.strip()) > 20:
        raise CentralError("request.invalid", "Content-Length is not a non-negative integer")
    declared = int(raw)
    if declared > cap:
        raise CentralError(code, f"the request body is {declared} bytes; this route takes at most {cap}")
    return declared


async def _read_body(request: Request, cap: int, code: str) -> bytes:
    """Read the body, refusing it past `cap` and when it stalls (idle) or drags (total)."""
    settings = _settings(request)
    parts: list[bytes] = []
    total = 0
    timeout = CentralError(
        "request.timeout",
        f"the body did not arrive in time ({settings.body_timeout_s:.0f} s in all, "
        f"{settings.body_idle_timeout_s:.0f} s without a byte)",
    )
    deadline = anyio.current_time() + settings.body_timeout_s
    while True:
        wait = min(settings.body_idle_timeout_s, deadline - anyio.current_time())
        if wait <= 0:
            raise timeout
        with anyio.move_on_after(wait) as waited:
            message = await request.receive()
        if waited.cancelled_caught:
            raise timeout
        if message["type"] == "http.disconnect":
            raise CentralError("request.invalid", "the client went away before the body was complete")
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > cap:
            raise CentralError(code, f"the request body is over the {cap}-byte limit")
        parts.append(chunk)
        if not message.get("more_body", False):
            request.scope[BODY_DONE] = True
            return b"".join(parts)


def _signed(cap: Callable[[Settings], int], code: str, precheck: Precheck | None = None) -> Callable[[Handler], Any]:
    """Wrap a handler so it runs only for an authenticated, admitted, fully read request."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            headers = _headers(request)
            signed = await _authenticate(request, headers)
            if request.path_params["code"] != signed.station:
                raise CentralError(
                    "auth.wrong_station", f"station {signed.station} may not act for {request.path_params['code']}"
                )
            state = request.app.state
            gate: SessionGate = state.gate
            since = state.tickets.read(signed.station, headers.get(TICKET.lower()))
            gate.enter(signed.station, starts_work=_starts_work(request, headers), since=since)
            state.metrics.add_in_flight(1)
            try:
                await _check_nonce(request, signed)
                limit = cap(_settings(request))
                declared = _declared_length(headers, limit, code)
                if precheck is not None:
                    precheck(headers)
                admission: Admission = state.admission
                with admission.reserve(signed.station, limit if declared is None else declared):
                    body = await _read_body(request, limit, code) if declared != 0 else b""
                    request.scope[BODY_DONE] = True
                    try:
                        check_body(signed, body)
                    except AuthFailure as exc:
                        raise CentralError(exc.code, exc.detail) from None
                    slots: WorkSlots = state.work_slots
                    async with slots.hold():
                        return await handler(
                            request, Signed(signed.station, headers, body, bytes.fromhex(signed.body_sha256))
                        )
            finally:
                state.metrics.add_in_flight(-1)
                gate.leave(signed.station)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def _json_cap(settings: Settings) -> int:
    return settings.max_json_size


def _packet_cap(settings: Settings) -> int:
    return settings.max_packet_size


def _no_body(settings: Settings) -> int:
    return 0


def _json_object(settings: Settings, body: bytes) -> dict[str, Any]:
    try:
        value = parse_json(body, max_bytes=settings.max_json_size)
    except JsonRefused as exc:
        raise CentralError("request.too_large" if exc.too_large else "request.invalid", exc.detail) from None
    if not isinstance(value, dict):
        raise CentralError("request.invalid", "the body must be a JSON object")
    return value


def _uuid(value: Any, where: str) -> str:
    try:
        return canonical_uuid(value)
    except ValueError:
        raise CentralError("request.invalid", f"{where} is not a UUID (8-4-4-4-12 hex digits)") from None


def _record(request: Request) -> str:
    return _uuid(request.path_params["record"], "the record id in the URL")


def _entries(payload: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """`{"records": [...]}` of at most `limit` objects, each with a canonical uuid."""
    entries = payload.get("records")
    if not isinstance(entries, list) or len(entries) > limit:
        raise CentralError("request.invalid", f'the body must be {{"records": [...]}} with at most {limit}')
    out: list[dict[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise CentralError("request.invalid", "each record must be a JSON object with a uuid")
        out.append({**entry, "uuid": _uuid(entry.get("uuid"), "a record's uuid")})
    return out


@_signed(_json_cap, "request.too_large")
async def register(request: Request, signed: Signed) -> Response:
    payload = _json_object(_settings(request), signed.body)
    created, state = await run_in_threadpool(_receiver(request).register, signed.station, _record(request), payload)
    return JSONResponse(state, status_code=201 if created else 200)


@_signed(_json_cap, "request.too_large")
async def register_many(request: Request, signed: Signed) -> Response:
    """Register the next records of a station's queue in one request (one round trip for many)."""
    entries = _entries(_json_object(_settings(request), signed.body), MAX_REGISTER_BATCH)
    receiver = _receiver(request)

    def run() -> list[dict[str, Any]]:
        """One locked transaction for the batch (Receiver.register_many); a refusal of one
        record comes back inline, a malformed entry refuses the whole request."""
        out: list[dict[str, Any]] = []
        batch: list[Mapping[str, Any]] = list(entries)
        for entry, result in zip(entries, receiver.register_many(signed.station, batch), strict=True):
            if isinstance(result, CentralError):
                if result.code in ("request.invalid", "request.not_found"):
                    raise result
                refusal: dict[str, Any] = {"uuid": entry["uuid"], "error": result.code, "detail": result.detail}
                if result.verdict is not None:
                    refusal["verdict"] = result.verdict
                out.append(refusal)
            else:
                out.append({"uuid": entry["uuid"], **result[1]})
        return out

    return JSONResponse({"records": await run_in_threadpool(run)})


@_signed(_json_cap, "request.too_large")
async def withdraw_record(request: Request, signed: Signed) -> Response:
    """The station withdraws a record its supervisor rejected (central.withdrawals)."""
    payload = _json_object(_settings(request), signed.body)
    answer = await run_in_threadpool(withdraw, _receiver(request), signed.station, _record(request), payload)
    return JSONResponse(answer, status_code=200)


@_signed(_no_body, "request.too_large")
async def upload_status(request: Request, signed: Signed) -> Response:
    offset, length = await run_in_threadpool(_receiver(request).upload_status, signed.station, _record(request))
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    return Response(status_code=200, headers={**headers, "Upload-Offset": str(offset), "Upload-Length": str(length)})


def _patch_headers(headers: dict[str, str]) -> None:
    """A PATCH's own headers, checked before its body is read (nothing unverified is stored)."""
    version = headers.get("tus-resumable")
    if version is not None and version != TUS_VERSION:
        raise CentralError(
            "upload.tus_version", f"Tus-Resumable {version} is not supported", headers={"Tus-Version": TUS_VERSION}
        )
    if headers.get("content-type", "").split(";")[0].strip().lower() != OFFSET_TYPE:
        raise CentralError("upload.content_type", f"a PATCH must be sent as {OFFSET_TYPE}")
    if not headers.get("upload-offset", "").isdigit():
        raise CentralError("request.invalid", "Upload-Offset must be a non-negative integer")
    _checksum(headers.get("upload-checksum"))
    if _commits(headers) and headers.get("upload-commit-after", "").strip():
        _uuid(headers["upload-commit-after"].strip(), "Upload-Commit-After")


def _commits(headers: dict[str, str]) -> bool:
    return headers.get("upload-commit", "").strip() in ("1", "?1")


@_signed(_packet_cap, "upload.too_large", precheck=_patch_headers)
async def upload(request: Request, signed: Signed) -> Response:
    receiver, station, headers = _receiver(request), signed.station, signed.headers
    record = _record(request)
    tus = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    checksum = _checksum(headers.get("upload-checksum"))
    commit = _commits(headers)
    raw_after = headers.get("upload-commit-after", "").strip()
    after = _uuid(raw_after, "Upload-Commit-After") if commit and raw_after else None
    offset_in = int(headers["upload-offset"])
    if not commit:
        new_offset = await run_in_threadpool(
            receiver.append, station, record, offset_in, signed.body, checksum, signed.body_sha256
        )
        return Response(status_code=204, headers={**tus, "Upload-Offset": str(new_offset)})
    # Commit with the last chunk: saves the station one round trip per record, which on
    # a 600 ms link is a fifth of the time a record takes. Pipelined (`after`): commit
    # only after the station's previous record (strict order).
    metrics: Metrics = request.app.state.metrics
    started = time.perf_counter()
    try:
        new_offset, complete, receipt = await run_in_threadpool(
            receiver.append_and_commit, station, record, offset_in, signed.body, checksum, after, signed.body_sha256
        )
    except CentralError as exc:
        if exc.code.startswith("commit."):
            metrics.count_commit("refused", time.perf_counter() - started)
        raise
    if complete:
        metrics.count_commit("receipt" if receipt is not None else "deferred", time.perf_counter() - started)
    if receipt is not None:
        turn_over = _turn_over(request, station)
        return JSONResponse(receipt, status_code=200, headers={**tus, "Upload-Offset": str(new_offset), **turn_over})
    deferred = {"Upload-Commit-Deferred": COMMIT_OUT_OF_ORDER} if complete else {}
    return Response(status_code=204, headers={**tus, "Upload-Offset": str(new_offset), **deferred})


def _checksum(header: str | None) -> bytes | None:
    """The expected SHA-256 digest from `Upload-Checksum: sha256 BASE64` (tus checksum extension)."""
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise CentralError(
            "request.invalid", f"Upload-Checksum algorithm {algorithm[:20]!r} is not supported (use sha256)"
        )
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CentralError("request.invalid", "Upload-Checksum is not base64") from None
    if len(digest) != 32:
        raise CentralError("request.invalid", "Upload-Checksum is not a SHA-256 digest")
    return digest


def _turn_over(request: Request, station: str) -> dict[str, str]:
    """A receipt counts toward the station's turn; the one that uses it up while others
    wait carries `X-Turn-Over: SECONDS`, when to come back with new work (central.gate)."""
    handed_back: Shed | None = request.app.state.gate.committed(station)
    if handed_back is None:
        return {}
    request.app.state.metrics.count_turn_over()
    return {TURN_OVER: str(handed_back.retry_after), **_ticket(request, station, handed_back)}


def _ticket(request: Request, station: str, shed: Shed) -> dict[str, str]:
    """The station's place in line as a queue ticket (central.queue_ticket), if it has one."""
    if shed.first is None:
        return {}
    tickets: QueueTickets = request.app.state.tickets
    return {TICKET: tickets.issue(station, shed.first)}


async def _commit(
    request: Request, station: str, call: Callable[..., dict[str, Any] | None], *args: str
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """A commit, timed and counted, and the headers of the turn it may end."""
    metrics: Metrics = request.app.state.metrics
    started = time.perf_counter()
    try:
        receipt = await run_in_threadpool(call, station, *args)
    except CentralError:
        metrics.count_commit("refused", time.perf_counter() - started)
        raise
    metrics.count_commit("receipt" if receipt is not None else "deferred", time.perf_counter() - started)
    return receipt, (_turn_over(request, station) if receipt is not None else {})


@_signed(_json_cap, "request.too_large")
async def commit(request: Request, signed: Signed) -> Response:
    receipt, turn_over = await _commit(request, signed.station, _receiver(request).commit, _record(request))
    return JSONResponse(receipt, status_code=200, headers=turn_over)


@_signed(_json_cap, "request.too_large")
async def reconcile(request: Request, signed: Signed) -> Response:
    entries = _entries(_json_object(_settings(request), signed.body), MAX_RECONCILE)
    answer = await run_in_threadpool(_receiver(request).reconcile, signed.station, entries)
    return JSONResponse(answer)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "time": iso(_receiver(request).clock())})


async def metrics(request: Request) -> Response:
    """Prometheus text (central.metrics): this process's numbers and the database's."""
    state = request.app.state
    receiver = _receiver(request)
    database = await run_in_threadpool(state.metrics.backlog, receiver.engine, receiver.clock())
    gate, slots = state.gate.snapshot(), state.work_slots
    process = {
        "central_work_slots": slots.slots,
        "central_work_slots_busy": slots.busy,
        "central_work_slots_waiting": slots.waiting,
        "central_sessions_active": gate["sessions"],
        "central_sessions_waiting": gate["waiting"],
        "central_sessions_waiting_live": gate["waiting_live"],
        "central_sessions_ended_per_second": state.gate.turns_per_s(),
        "central_line_share": state.gate.line_share(),
        "central_inflight_body_bytes": state.admission.held(),
    }
    state.metrics.shed["connections"] = server.connections_refused()
    return Response(state.metrics.render(process, database), media_type=CONTENT_TYPE)


async def upload_head_or_patch(request: Request) -> Response:
    endpoint = upload_status if request.method == "HEAD" else upload
    response: Response = await endpoint(request)
    return response


def _error_response(request: Request, error: CentralError) -> Response:
    headers = {**error.headers, "X-Error": error.code}
    if request.scope["path"].startswith("/v1/uploads/"):
        headers.setdefault("Tus-Resumable", TUS_VERSION)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


async def _on_central_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CentralError)
    if exc.code == "server.busy":
        request.app.state.metrics.count_shed(exc.shed_reason if isinstance(exc, Shed) else "station_lock")
        if isinstance(exc, Shed):  # only stations whose signature verified reach the gate
            exc.headers.update(_ticket(request, _headers(request).get("x-station", ""), exc))
    return _error_response(request, exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "request.not_found", 405: "request.method_not_allowed"}.get(exc.status_code, "request.invalid")
    response = _error_response(request, CentralError(code, str(exc.detail)))
    response.status_code = exc.status_code
    return response


async def _on_crash(request: Request, exc: Exception) -> Response:
    """Still JSON with a code; uvicorn logs the traceback (which never holds packet bytes or a NIK)."""
    return _error_response(request, CentralError("server.error", "internal error; the request may be retried"))


async def _on_db_busy(request: Request, exc: Exception) -> Response:
    log.warning("database unavailable for %s %s: %s", request.method, request.scope["path"], type(exc).__name__)
    request.app.state.metrics.count_shed("database")
    return _error_response(
        request, CentralError("server.busy", "the database is busy or unreachable", headers={"Retry-After": "5"})
    )


class _CloseUnreadBodies:
    """ASGI middleware: an answer sent before the request body was read drains a small
    body, and closes the connection on a larger or slower one.

    Closing is needed because otherwise the server would go on reading (and discarding)
    the rest of the body to reach the next request, which is exactly what a stalled
    client wants it to wait for. But closing a connection with unread bytes in it makes
    the kernel send a reset, which can overtake the answer: the client would see a broken
    link instead of the refusal ("busy, retry in N s", "wrong station"). So a body of at
    most DRAIN_MAX bytes (a packet) is read and dropped first, within DRAIN_S, and the
    connection kept; the refusal is decided before, so draining changes no answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value.strip() for name, value in scope["headers"]}
        declared = headers.get(b"content-length", b"")
        has_body = b"transfer-encoding" in headers or declared not in (b"0", b"")
        small = b"transfer-encoding" not in headers and declared.isdigit() and int(declared) <= DRAIN_MAX
        ended = False

        async def watched_receive() -> Message:
            nonlocal ended
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                ended = True
            return message

        async def drain() -> None:
            with anyio.move_on_after(DRAIN_S):
                while not ended:
                    if (await watched_receive())["type"] != "http.request":
                        return

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start" and has_body and not ended and not scope.get(BODY_DONE):
                if small:
                    await drain()
                if not ended:
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, watched_receive, guarded_send)


def create_app(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, receiver: Receiver | None = None
) -> Starlette:
    """The ASGI app; creates keys and schema at once (so TestClient needs no lifespan)."""
    centre = receiver or Receiver(settings, clock=clock or utcnow)
    nonces = NonceStore(centre.settings.database_url, skew_s=settings.skew_s)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await nonces.aclose()
        nonces.close()
        centre.close()

    routes = [
        Route("/v1/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/v1/stations/{code}/records/{record}", register, methods=["PUT"]),
        Route("/v1/stations/{code}/records/{record}/withdraw", withdraw_record, methods=["POST"]),
        Route("/v1/stations/{code}/reconcile", reconcile, methods=["POST"]),
        Route("/v1/stations/{code}/register", register_many, methods=["POST"]),
        Route("/v1/uploads/{code}/{record}", upload_head_or_patch, methods=["HEAD", "PATCH"]),
        Route("/v1/uploads/{code}/{record}/commit", commit, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(_CloseUnreadBodies)],
        exception_handlers={
            CentralError: _on_central_error,
            HTTPException: _on_http_error,
            OperationalError: _on_db_busy,
            NonceStoreUnavailable: _on_db_busy,
            Exception: _on_crash,
        },
    )
    app.state.receiver = centre
    app.state.settings = settings
    app.state.nonces = nonces
    app.state.admission = Admission(
        total=settings.max_inflight_bytes, per_station=settings.max_inflight_bytes_per_station
    )
    app.state.work_slots = WorkSlots(
        settings.work_slots, wait_s=settings.slot_wait_s, max_retry_after_s=settings.max_retry_after_s
    )
    slots = app.state.work_slots
    app.state.gate = SessionGate(
        crowded=lambda: slots.expected_wait_s() > CROWDED_WAIT_S,
        max_sessions=settings.max_sessions,
        session_records=settings.session_records,
        session_max_s=settings.session_max_s,
        session_min_s=settings.session_min_s,
        session_idle_s=settings.session_idle_s,
        max_waiters=settings.max_waiters,
        max_retry_after_s=settings.max_retry_after_s,
        line_shared_by=settings.line_shared_by,
    )
    app.state.metrics = Metrics()
    app.state.tickets = QueueTickets.for_centre(centre.keys.receipt_key)
    return app
