"""The HTTP face of the receiver: Starlette routes for docs/sync-protocol.md, served by uvicorn.

Each handler reads the body (bounded), authenticates the request with
wire.auth.verify against the registered stations, checks that the station in the
URL is the one that signed, then runs the blocking Receiver method in a worker
thread. Traps:
- The body must be read before authenticating: the signature covers its SHA-256.
  Bodies are read with a cap, so an unauthenticated client cannot make us buffer
  more than one packet's worth.
- HEAD answers carry no body; the error code also travels in X-Error so a station
  can still tell "not registered" from "bad signature" on a HEAD.
- A PATCH chunk is only written after its signature and Upload-Checksum verified;
  nothing unverified ever reaches the partial file.
- A PATCH with `Upload-Commit: ?1` and `Upload-Commit-After: UUID` comes from a station
  that pipelines: it commits only if that earlier record is resolved, else it answers
  204 with `Upload-Commit-Deferred: commit.out_of_order` (the bytes are kept).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from central.errors import CentralError
from central.ledger import iso
from central.receiver import UUID_RE, Receiver, utcnow
from central.settings import Settings
from wire.auth import DATE_FORMAT, AuthFailure, verify

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
OFFSET_TYPE = "application/offset+octet-stream"
JSON_LIMIT = 4 * 1024 * 1024
MAX_RECONCILE = 5000
MAX_REGISTER_BATCH = 500
COMMIT_OUT_OF_ORDER = "commit.out_of_order"  # Upload-Commit-Deferred: the previous record is not resolved yet


def _receiver(request: Request) -> Receiver:
    receiver: Receiver = request.app.state.receiver
    return receiver


async def _read_body(request: Request, limit: int, code: str) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise CentralError(code, f"the request body is over the {limit}-byte limit")
    parts: list[bytes] = []
    total = 0
    async for part in request.stream():
        total += len(part)
        if total > limit:
            raise CentralError(code, f"the request body is over the {limit}-byte limit")
        parts.append(part)
    return b"".join(parts)


async def _authenticate(request: Request, body: bytes) -> str:
    receiver = _receiver(request)
    now = receiver.clock()
    try:
        station: str = await run_in_threadpool(
            verify,
            request.method,
            request.url.path,
            body,
            request.headers,
            public_key_for=receiver.public_key_for,
            now=now,
            skew_s=receiver.settings.skew_s,
        )
    except AuthFailure as exc:
        headers = {"X-Server-Date": now.strftime(DATE_FORMAT)} if exc.code == "auth.clock_skew" else None
        log.info("refused %s %s: %s", request.method, request.url.path, exc.code)
        raise CentralError(exc.code, exc.detail, headers=headers) from None
    if request.path_params["code"] != station:
        raise CentralError("auth.wrong_station", f"station {station} may not act for {request.path_params['code']}")
    return station


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CentralError("request.invalid", "the body is not JSON") from None
    if not isinstance(value, dict):
        raise CentralError("request.invalid", "the body must be a JSON object")
    return value


async def register(request: Request) -> Response:
    body = await _read_body(request, JSON_LIMIT, "request.too_large")
    station = await _authenticate(request, body)
    payload = _json_object(body)
    created, state = await run_in_threadpool(
        _receiver(request).register, station, request.path_params["record"], payload
    )
    return JSONResponse(state, status_code=201 if created else 200)


async def register_many(request: Request) -> Response:
    """Register the next records of a station's queue in one request (one round trip for many)."""
    body = await _read_body(request, JSON_LIMIT, "request.too_large")
    station = await _authenticate(request, body)
    entries = _json_object(body).get("records")
    if not isinstance(entries, list) or len(entries) > MAX_REGISTER_BATCH:
        raise CentralError(
            "request.invalid", f'the body must be {{"records": [...]}} with at most {MAX_REGISTER_BATCH}'
        )
    receiver = _receiver(request)

    def run() -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("uuid"), str):
                raise CentralError("request.invalid", "each record needs a uuid")
            try:
                _, state = receiver.register(station, entry["uuid"], entry)
                out.append({"uuid": entry["uuid"], **state})
            except CentralError as exc:
                if exc.code in ("request.invalid", "request.not_found"):
                    raise
                out.append({"uuid": entry["uuid"], "error": exc.code, "detail": exc.detail})
        return out

    return JSONResponse({"records": await run_in_threadpool(run)})


async def upload(request: Request) -> Response:
    receiver = _receiver(request)
    body = await _read_body(request, receiver.settings.max_packet_size, "upload.too_large")
    station = await _authenticate(request, body)
    record = request.path_params["record"]
    tus = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    if request.method == "HEAD":
        offset, length = await run_in_threadpool(receiver.upload_status, station, record)
        return Response(status_code=200, headers={**tus, "Upload-Offset": str(offset), "Upload-Length": str(length)})
    version = request.headers.get("tus-resumable")
    if version is not None and version != TUS_VERSION:
        raise CentralError(
            "upload.tus_version", f"Tus-Resumable {version} is not supported", headers={"Tus-Version": TUS_VERSION}
        )
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != OFFSET_TYPE:
        raise CentralError("upload.content_type", f"a PATCH must be sent as {OFFSET_TYPE}")
    raw_offset = request.headers.get("upload-offset", "")
    if not raw_offset.isdigit():
        raise CentralError("request.invalid", "Upload-Offset must be a non-negative integer")
    checksum = _checksum(request.headers.get("upload-checksum"))
    commit = request.headers.get("upload-commit", "").strip() in ("1", "?1")
    after = request.headers.get("upload-commit-after", "").strip() or None
    if commit and after is not None and not UUID_RE.match(after):
        raise CentralError("request.invalid", "Upload-Commit-After is not a UUID (8-4-4-4-12 hex digits)")
    new_offset = await run_in_threadpool(receiver.append, station, record, int(raw_offset), body, checksum)
    if commit:
        # Commit with the last chunk: saves the station one round trip per record,
        # which on a 600 ms link is a fifth of the time a record takes.
        offset, length = await run_in_threadpool(receiver.upload_status, station, record)
        if offset == length:
            receipt: dict[str, Any] | None
            if after is None:
                receipt = await run_in_threadpool(receiver.commit, station, record)
            else:
                # Pipelined: commit only after the station's previous record (strict order).
                receipt = await run_in_threadpool(receiver.commit_after, station, record, after)
            if receipt is not None:
                return JSONResponse(receipt, status_code=200, headers={**tus, "Upload-Offset": str(new_offset)})
            deferred = {"Upload-Commit-Deferred": COMMIT_OUT_OF_ORDER}
            return Response(status_code=204, headers={**tus, "Upload-Offset": str(new_offset), **deferred})
    return Response(status_code=204, headers={**tus, "Upload-Offset": str(new_offset)})


def _checksum(header: str | None) -> bytes | None:
    """The expected SHA-256 digest from `Upload-Checksum: sha256 BASE64` (tus checksum extension)."""
    if header is None:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise CentralError("request.invalid", f"Upload-Checksum algorithm {algorithm!r} is not supported (use sha256)")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CentralError("request.invalid", "Upload-Checksum is not base64") from None
    if len(digest) != 32:
        raise CentralError("request.invalid", "Upload-Checksum is not a SHA-256 digest")
    return digest


async def commit(request: Request) -> Response:
    body = await _read_body(request, JSON_LIMIT, "request.too_large")
    station = await _authenticate(request, body)
    receipt = await run_in_threadpool(_receiver(request).commit, station, request.path_params["record"])
    return JSONResponse(receipt, status_code=200)


async def reconcile(request: Request) -> Response:
    body = await _read_body(request, JSON_LIMIT, "request.too_large")
    station = await _authenticate(request, body)
    entries = _json_object(body).get("records")
    if not isinstance(entries, list):
        raise CentralError("request.invalid", 'the body must be {"records": [...]}')
    if len(entries) > MAX_RECONCILE:
        raise CentralError("request.invalid", f"at most {MAX_RECONCILE} records per reconcile")
    answer = await run_in_threadpool(_receiver(request).reconcile, station, entries)
    return JSONResponse(answer)


async def health(request: Request) -> Response:
    return JSONResponse({"ok": True, "time": iso(_receiver(request).clock())})


def _error_response(request: Request, error: CentralError) -> Response:
    headers = {**error.headers, "X-Error": error.code}
    if request.url.path.startswith("/v1/uploads/"):
        headers.setdefault("Tus-Resumable", TUS_VERSION)
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


async def _on_central_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CentralError)
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
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return _error_response(
        request, CentralError("server.busy", "the database is busy or unreachable", headers={"Retry-After": "5"})
    )


def create_app(
    settings: Settings, *, clock: Callable[[], datetime] | None = None, receiver: Receiver | None = None
) -> Starlette:
    """The ASGI app; creates keys and schema at once (so TestClient needs no lifespan)."""
    centre = receiver or Receiver(settings, clock=clock or utcnow)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        centre.close()

    routes = [
        Route("/v1/health", health, methods=["GET"]),
        Route("/v1/stations/{code}/records/{record}", register, methods=["PUT"]),
        Route("/v1/stations/{code}/reconcile", reconcile, methods=["POST"]),
        Route("/v1/stations/{code}/register", register_many, methods=["POST"]),
        Route("/v1/uploads/{code}/{record}", upload, methods=["HEAD", "PATCH"]),
        Route("/v1/uploads/{code}/{record}/commit", commit, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            CentralError: _on_central_error,
            HTTPException: _on_http_error,
            OperationalError: _on_db_busy,
            Exception: _on_crash,
        },
    )
    app.state.receiver = centre
    return app
