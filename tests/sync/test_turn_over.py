"""A receipt that ends the station's turn (issue 13): `X-Turn-Over` on the 200.

When a station's receipt uses up its turn at a busy centre while others wait, the centre
says so on the receipt (central.gate.SessionGate.committed) instead of refusing the
station's next record, which would carry the whole packet only to be turned away. The
station's worker then holds its next record for that long, spread like a busy answer,
shows "centre busy", and leaves its breaker and link state alone.

A real `station-central serve` with one turn (`--sessions 1 --session-records 1`), two
real stations joined to it, and the station's real sync worker. The worker's pipelining
is off (MAX_BEHIND 0) so that its next record is not already on the wire when the
receipt is read: with it on, that PATCH's own answer would decide the wait, which is
what tests/sync/test_sync_pipeline.py covers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest

import station.auth
import station.sync.worker as worker_module
from station.auth import User
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.sync.busy import BUSY, centre_busy
from station.sync.client import PatchHandle, PatchResult
from station.sync.errors import SyncError
from station.sync.http1 import Exchange, Headers, Response
from station.sync.service import make_client, make_worker
from store.outbox import AT_CENTRE, REGISTERED, Outbox
from store.types import utcnow
from testing.checker import check
from testing.harness import CentralServer, join
from testing.multistation import CHEAP_PASSWORD_HASHER, station_homes
from wire.codes import QUEUE_TICKET

IDLE_S = 5  # a silent turn ends after this (the centre's --session-idle)


@pytest.fixture
def one_turn_centre(tmp_path: Path) -> Iterator[CentralServer]:
    server = CentralServer(tmp_path / "central")
    server.args += ["--sessions", "1", "--session-records", "1", "--session-min", "0", "--session-idle", str(IDLE_S)]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def other(tmp_path: Path, one_turn_centre: CentralServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[StationCore]:
    monkeypatch.setattr(station.auth, "_hasher", CHEAP_PASSWORD_HASHER)
    with station_homes(tmp_path / "others", 1, code_prefix="3204") as cores:
        join(cores[0], one_turn_centre)
        yield cores[0]


def _ask_about_nothing(core: StationCore) -> str:
    """One signed request of `core`'s, a HEAD of a record the centre does not know: the
    code it ends in, `record.not_registered` when admitted (it then holds the centre's one
    turn), `sync.busy` when refused."""
    client = make_client(core)
    try:
        with pytest.raises(SyncError) as caught:
            client.head(str(uuid.uuid4()))
    finally:
        client.close()
    return caught.value.code


@pytest.mark.timeout(120)
def test_the_receipt_that_ends_the_turn_holds_the_next_record_and_is_shown_as_busy(
    core: StationCore,
    other: StationCore,
    one_turn_centre: CentralServer,
    supervisor: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    join(core, one_turn_centre)
    enroll_synthetic(core, 2, seed=141, operator=supervisor, approver=supervisor)
    monkeypatch.setattr(worker_module, "MAX_BEHIND", 0)
    outbox = Outbox(core.db)
    client = make_client(core)
    seen: list[float | None] = []
    finish = client.finish

    def watched(handle: PatchHandle) -> PatchResult:
        result = finish(handle)
        seen.append(result.turn_over)
        return result

    client.finish = watched  # type: ignore[method-assign]
    worker = make_worker(core, client)

    assert _ask_about_nothing(core) == "record.not_registered"  # this station holds the one turn
    assert _ask_about_nothing(other) == BUSY  # the other station waits in line

    before = utcnow()
    try:
        summary = worker.run(until_idle=True, timeout_s=30)
    finally:
        after = utcnow()
    assert summary.sent == 1, summary
    told = seen[-1]
    assert told is not None and 1 <= told <= 60, seen  # the receipt said the turn is over
    assert client.queue_ticket is not None  # and gave this station its place in line
    head = outbox.head()
    assert head is not None and head.state == REGISTERED and head.last_error is None  # held, not failed
    assert head.next_attempt_at is not None
    assert before + timedelta(seconds=told) <= head.next_attempt_at <= after + timedelta(seconds=told * 1.5)
    assert outbox.info()["last_error"] == BUSY
    busy = centre_busy(outbox.info(), head)
    assert busy is not None and busy.retry_at == head.next_attempt_at
    assert worker.breaker.failures == 0 and worker.breaker.state == "closed"
    assert worker.monitor.consecutive_failures == 0

    # the turn ended with the receipt: the other station, first in line, has it
    assert _ask_about_nothing(other) == "record.not_registered"

    # Its record, tried now (the wait shown above is cleared), is refused while the other
    # station holds the turn (busy: the centre did nothing, so the record keeps its state
    # and is not asked about), and arrives once that turn has ended by silence.
    outbox.set_fields(head.uuid, next_attempt_at=None)
    asked: list[str] = []
    register = client.register

    def ask(record_uuid: str, *args: object, **kwargs: object) -> dict[str, object]:
        asked.append(record_uuid)
        return register(record_uuid, *args, **kwargs)  # type: ignore[arg-type]

    client.register = ask  # type: ignore[method-assign]
    try:
        summary = worker.run(until_idle=True, wait_for_retry=True, timeout_s=told * 1.5 + IDLE_S + 30)
    finally:
        worker.client.close()
    assert summary.retries >= 1 and f"{head.reg_no}: {BUSY}" in summary.errors  # refused at least once
    assert asked == []  # and sent on each time without asking where it stands
    assert summary.sent == 1 and outbox.head() is None
    assert client.queue_ticket is None  # admitted: the place is given up
    assert len(outbox.in_states(tuple(AT_CENTRE), limit=10)) == 2
    assert centre_busy(outbox.info(), outbox.head()) is None
    verdict = check(core, one_turn_centre.report())
    assert verdict.failures == 0 and verdict.received == verdict.sealed == 2, verdict.lines()


@pytest.mark.timeout(60)
def test_a_busy_answers_place_in_line_is_sent_back_until_the_station_is_admitted(
    core: StationCore, other: StationCore, one_turn_centre: CentralServer
) -> None:
    join(core, one_turn_centre)
    assert _ask_about_nothing(core) == "record.not_registered"  # this station holds the one turn
    waiting = make_client(other)
    sent: list[str | None] = []
    start = waiting._start

    def watched(method: str, path: str, body: bytes = b"", headers: Mapping[str, str] | None = None) -> Exchange:
        sent.append(waiting.queue_ticket)
        return start(method, path, body, headers)

    waiting._start = watched  # type: ignore[method-assign]
    try:
        for _ in range(2):
            with pytest.raises(SyncError) as caught:
                waiting.head(str(uuid.uuid4()))
            assert caught.value.code == BUSY
        ticket = waiting.queue_ticket
        assert ticket is not None and sent == [None, ticket]  # the second request carried the first's place
        deadline = time.monotonic() + IDLE_S + 20
        while True:  # the holder falls silent: its turn ends after IDLE_S, then ours comes
            with pytest.raises(SyncError) as caught:
                waiting.head(str(uuid.uuid4()))
            if caught.value.code != BUSY:
                break
            assert time.monotonic() < deadline, "the silent turn never ended"
            time.sleep(0.2)
        assert caught.value.code == "record.not_registered"  # admitted
        assert waiting.queue_ticket is None
    finally:
        waiting.close()
    for garbage in ("", "12", "12.xyz", "1" * 20 + "." + "a" * 32):  # a malformed ticket is never kept
        waiting.queue_ticket = None
        waiting._keep_place(Response(503, Headers([(QUEUE_TICKET.encode(), garbage.encode())]), b""))
        assert waiting.queue_ticket is None, garbage
