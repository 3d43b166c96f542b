"""Refusals the receiver answers with: a code from the contract and its HTTP status.

Every non-2xx answer is `{"error": CODE, "detail": TEXT}` (plus `reason` for
commit.rejected); the station acts on the code, never on the text.
"""

from __future__ import annotations

from collections.abc import Mapping

STATUS: dict[str, int] = {
    "auth.unknown_station": 401,
    "auth.bad_signature": 401,
    "auth.missing_headers": 401,
    "auth.body_hash": 401,
    "auth.clock_skew": 401,
    "auth.wrong_station": 403,
    "record.not_registered": 404,
    "record.hash_conflict": 422,
    "upload.offset_mismatch": 409,
    "upload.checksum_mismatch": 460,
    "upload.too_large": 413,
    "upload.content_type": 415,
    "upload.tus_version": 412,
    "commit.incomplete": 409,
    "commit.rejected": 422,
    "request.invalid": 400,
    "request.too_large": 413,
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
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.reason = reason
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)

    def body(self) -> dict[str, str]:
        out = {"error": self.code, "detail": self.detail}
        if self.reason is not None:
            out["reason"] = self.reason
        return out
