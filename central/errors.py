"""Refusals the receiver answers with: a code from the contract and its HTTP status.

Every non-2xx answer is `{"error": CODE, "detail": TEXT}` (plus `reason` for
commit.rejected, and the signed `verdict` when the answer refuses a record for good);
the station acts on the code, never on the text, and on a refusal only once the
verdict verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STATUS: dict[str, int] = {
    "auth.unknown_station": 401,
    "auth.bad_signature": 401,
    "auth.missing_headers": 401,
    "auth.body_hash": 401,
    "auth.clock_skew": 401,
    "auth.replay": 401,
    "auth.wrong_station": 403,
    "record.not_registered": 404,
    "record.hash_conflict": 422,
    "record.seq_conflict": 422,
    "upload.offset_mismatch": 409,
    "upload.checksum_mismatch": 460,
    "upload.too_large": 413,
    "upload.content_type": 415,
    "upload.tus_version": 412,
    "commit.incomplete": 409,
    "commit.rejected": 422,
    "request.invalid": 400,
    "request.too_large": 413,
    "request.timeout": 408,
    "request.not_found": 404,
    "request.method_not_allowed": 405,
    "server.busy": 503,
    "server.error": 500,
}


class CentralError(Exception):
    """A refusal with its contract code; `status` follows from the code."""

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
        verdict: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.reason = reason
        self.headers = dict(headers or {})
        self.verdict = verdict  # the signed wire.receipts verdict when this refuses a record for good

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.verdict is not None:
            out["verdict"] = self.verdict
        return out
