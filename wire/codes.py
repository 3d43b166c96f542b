"""The wire's error codes, named once: each with its HTTP status and what a station may
conclude from it.

The centre answers every refusal as `{"error": CODE, "detail": TEXT}` with the status
given here (central.errors takes its status map from `STATUS`); the station acts on the
code, never on the text, and says it in its own words (station.sync.errors keys its
messages on these codes). tests/wire/test_codes.py checks that both sides handle every
code and that every code the centre can raise is listed here.

`Outcome` is part of the contract, not the station's guess: it is what the centre
promises a code means.
- "transient": nothing happened at the centre for good (refused, busy, a lost chunk);
  retry later;
- "ambiguous": the request may or may not have taken effect; resolve by resending or
  reconciling, never assume failure;
- "permanent": the centre refuses this record for good (the answer carries a signed
  rejected verdict), so the station quarantines it;
- "station": the centre refuses this station (unknown, bad signature, clock skew); no
  record is at fault, a supervisor must act.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    TRANSIENT = "transient"
    AMBIGUOUS = "ambiguous"
    PERMANENT = "permanent"
    STATION = "station"


@dataclass(frozen=True)
class WireCode:
    status: int  # the HTTP status the centre answers it with
    outcome: Outcome  # what the station may conclude


_T, _A, _P, _S = Outcome.TRANSIENT, Outcome.AMBIGUOUS, Outcome.PERMANENT, Outcome.STATION

CODES: dict[str, WireCode] = {
    "auth.unknown_station": WireCode(401, _S),
    "auth.bad_signature": WireCode(401, _S),
    "auth.missing_headers": WireCode(401, _T),
    "auth.body_hash": WireCode(401, _T),  # the body changed on the way: send it again
    "auth.clock_skew": WireCode(401, _S),
    "auth.replay": WireCode(401, _A),  # a replayed copy, or ours resent: unknown which
    "auth.wrong_station": WireCode(403, _S),
    "record.not_registered": WireCode(404, _T),  # register again (the worker does)
    "record.hash_conflict": WireCode(422, _P),
    "record.seq_conflict": WireCode(422, _P),
    "record.withdrawn": WireCode(409, _P),  # its station withdrew it: no packet is taken (+ verdict)
    "record.not_withdrawable": WireCode(409, _P),  # the centre holds it otherwise (+ its verdict if any)
    "upload.offset_mismatch": WireCode(409, _T),  # ask the offset (HEAD) and go on
    "upload.checksum_mismatch": WireCode(460, _T),  # resend the chunk
    "upload.too_large": WireCode(413, _P),
    "upload.content_type": WireCode(415, _T),
    "upload.tus_version": WireCode(412, _T),
    "commit.incomplete": WireCode(409, _T),
    "commit.rejected": WireCode(422, _P),
    "request.invalid": WireCode(400, _T),
    "request.too_large": WireCode(413, _T),
    "request.timeout": WireCode(408, _T),
    "request.not_found": WireCode(404, _T),
    "request.method_not_allowed": WireCode(405, _T),
    "server.busy": WireCode(503, _T),
    "server.error": WireCode(500, _T),
}

STATUS: dict[str, int] = {code: c.status for code, c in CODES.items()}
# A status for a code that is not in the contract (never answered by this centre).
UNLISTED_STATUS = 400

# Not an error: the value of `Upload-Commit-Deferred` on a 204 when a commit waits for
# the record before it (`Upload-Commit-After`); the bytes are kept.
COMMIT_OUT_OF_ORDER = "commit.out_of_order"

# Not an error: a header on the receipt (200) that used up the station's turn while other
# stations wait (central.gate). Its value is whole seconds: send no new record before
# then (spread as for Retry-After); the record just received is received.
TURN_OVER = "X-Turn-Over"

# Not an error: a waiting station's place in the centre's line (central.queue_ticket), on
# a busy answer and on a receipt carrying X-Turn-Over. The station sends it back with its
# requests, unchanged and unsigned, so that any process of the centre keeps its place.
QUEUE_TICKET = "X-Queue-Ticket"
