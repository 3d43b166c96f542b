"""The HTTP client for the central receiver: one keep-alive connection, every request signed.

It turns every way a request can end into either a result or a `SyncError` whose
`outcome` tells the worker what it may conclude (see station.sync.errors). Traps:
- a timeout or reset after the request was sent is *ambiguous*, not a failure;
- a 200 from a captive portal is not the centre: answers without the expected JSON
  shape are `sync.protocol`;
- `Retry-After` is honoured on 429 and 503.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.sync.errors import SyncError
from wire.auth import sign_headers

log = logging.getLogger(__name__)

TUS = {"Tus-Resumable": "1.0.0"}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class CentralClient:
    def __init__(
        self,
        base_url: str,
        *,
        station: str,
        signing_key: Ed25519PrivateKey,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.station = station
        self.key = signing_key
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            http1=True,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.bytes_sent = 0
        self.last_rtt_s: float | None = None

    def close(self) -> None:
        self.http.close()

    # --- plumbing -------------------------------------------------------------

    def _request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        all_headers = {**(headers or {}), **sign_headers(method, path, body, station=self.station, key=self.key)}
        started = time.monotonic()
        try:
            response = self.http.request(method, path, content=body, headers=all_headers)
        except httpx.ConnectError as exc:
            raise SyncError("sync.offline", type(exc).__name__) from None
        except httpx.ConnectTimeout:
            raise SyncError("sync.offline", "connect timeout") from None
        except httpx.TimeoutException as exc:
            raise SyncError("sync.timeout", type(exc).__name__) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.NetworkError) as exc:
            raise SyncError("sync.interrupted", type(exc).__name__) from None
        self.last_rtt_s = time.monotonic() - started
        self.bytes_sent += len(body)
        if response.status_code >= 400:
            raise self._error(response)
        return response

    @staticmethod
    def _error(response: httpx.Response) -> SyncError:
        status = response.status_code
        if status in (502, 504):
            return SyncError("sync.gateway", str(status), http_status=status)
        if status in (429, 503):
            return SyncError("sync.busy", str(status), retry_after=_retry_after(response), http_status=status)
        try:
            if response.headers.get("X-Error") and not response.content:  # HEAD answers carry no body
                body = {"error": response.headers["X-Error"]}
            else:
                body = response.json()
            code = str(body["error"])
            detail = str(body.get("reason") or body.get("detail") or "")
        except (ValueError, KeyError, TypeError):
            if status >= 500:
                return SyncError("sync.server_error", str(status), http_status=status)
            return SyncError("sync.protocol", f"HTTP {status} without an error code", http_status=status)
        if code == "auth.clock_skew":
            detail = f"{detail}; server time {response.headers.get('X-Server-Date', '?')}"
        if status >= 500:
            return SyncError("sync.server_error", f"{status} {code}", http_status=status)
        return SyncError(code, detail, http_status=status)

    @staticmethod
    def _json(response: httpx.Response, *keys: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise SyncError("sync.protocol", "answer is not JSON") from None
        if not isinstance(body, dict) or any(k not in body for k in keys):
            raise SyncError("sync.protocol", f"answer lacks {', '.join(keys)}")
        return body

    # --- the protocol (docs/sync-protocol.md) -------------------------------

    def health(self) -> float:
        started = time.monotonic()
        try:
            response = self.http.get("/v1/health")
        except httpx.HTTPError as exc:
            raise SyncError("sync.offline", type(exc).__name__) from None
        if response.status_code != 200:
            raise self._error(response)
        self._json(response, "ok")
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

    def register_many(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Register several queued records in one round trip; per-record refusals come back inline."""
        body = json.dumps({"records": records}).encode()
        response = self._request(
            "POST", f"/v1/stations/{self.station}/register", body, {"Content-Type": "application/json"}
        )
        answer = self._json(response, "records")["records"]
        if not isinstance(answer, list):
            raise SyncError("sync.protocol", "register answer is not a list")
        return answer

    def head(self, record_uuid: str) -> int:
        response = self._request("HEAD", f"/v1/uploads/{self.station}/{record_uuid}", headers=TUS)
        try:
            return int(response.headers["Upload-Offset"])
        except (KeyError, ValueError):
            raise SyncError("sync.protocol", "HEAD without Upload-Offset") from None

    def patch(
        self, record_uuid: str, offset: int, chunk: bytes, *, commit: bool = False
    ) -> tuple[int, dict[str, Any] | None]:
        """Append a chunk; with `commit`, the centre commits if this completes the upload
        and the answer carries the receipt (saving a round trip)."""
        digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers = {
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            "Upload-Checksum": f"sha256 {digest}",
        }
        if commit:
            headers["Upload-Commit"] = "?1"
        response = self._request("PATCH", f"/v1/uploads/{self.station}/{record_uuid}", chunk, headers)
        try:
            new_offset = int(response.headers["Upload-Offset"])
        except (KeyError, ValueError):
            raise SyncError("sync.protocol", "PATCH answer without Upload-Offset") from None
        receipt = None
        if commit and response.status_code == 200:
            receipt = self._json(response, "receipt_id", "server_seq", "received_at", "sha256")
        return new_offset, receipt

    def commit(self, record_uuid: str) -> dict[str, Any]:
        response = self._request("POST", f"/v1/uploads/{self.station}/{record_uuid}/commit")
        return self._json(response, "receipt_id", "server_seq", "received_at", "sha256")

    def reconcile(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"records": records}).encode()
        response = self._request(
            "POST", f"/v1/stations/{self.station}/reconcile", body, {"Content-Type": "application/json"}
        )
        return self._json(response, "records", "watermark", "gaps")
