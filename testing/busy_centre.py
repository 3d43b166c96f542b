"""A centre that sheds load: every request answered 503 (or 429) with `Retry-After`.

What a saturated receiver with admission control answers (issue 13): quickly, with an
explicit "come back in N s", on 127.0.0.1 with an ephemeral port. It is the rogue
centre's HTTP server (testing.rogue_centre: keep-alive, in order, every read bounded)
with one answer for everything but the health probe, so a test can tell what a
station does with "busy" apart from what it does with a dead link.
"""

from __future__ import annotations

import json

from testing.rogue_centre import FORGERIES, Reply, RogueCentre


class BusyCentre(RogueCentre):
    """`status` (503 or 429) and `retry_after` (a header value, or None for none) apply
    from the next request on; `answered` counts the busy answers given."""

    def __init__(self, station: str, *, retry_after: str | None = "30", status: int = 503) -> None:
        super().__init__(station, FORGERIES[0])
        self.retry_after = retry_after
        self.status = status
        self.answered = 0

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        if target.split("?")[0].strip("/") == "v1/health":
            return super().answer(method, target, headers, body)
        self.answered += 1
        extra = () if self.retry_after is None else (("Retry-After", self.retry_after),)
        payload = json.dumps({"error": "server.busy", "detail": "admission control"}).encode()
        return Reply(self.status, payload, (("Content-Type", "application/json"), *extra))
