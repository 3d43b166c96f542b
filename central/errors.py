"""Refusals the receiver answers with: a code from the contract and its HTTP status.

Every non-2xx answer is `{"error": CODE, "detail": TEXT}` (plus `reason` for
commit.rejected, and the signed `verdict` when the answer refuses a record for good);
the station acts on the code, never on the text, and on a refusal only once the
verdict verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wire import codes

# The codes and their statuses are the wire contract's (wire.codes), listed once for both sides.
STATUS = codes.STATUS


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
        return STATUS.get(self.code, codes.UNLISTED_STATUS)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.verdict is not None:
            out["verdict"] = self.verdict
        return out
