"""Pipelining: the next record's PATCH is written while the previous record's answer is awaited.

Through the real receiver process and the project's fault proxy, on loopback only. The
link monitor is primed so that every record goes as one PATCH (its last, carrying the
commit), which is the case pipelining is for; each test checks that two requests really
were in flight, and the checker's verdict (nothing lost, duplicated, corrupted, falsely
acknowledged, out of order) after the fault.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from common.progress import CancelToken
from station.enroll_synthetic import enroll_synthetic
from station.sync.client import CentralClient, PatchHandle, PatchResult
from station.sync.errors import SyncError
from station.sync.packets import ensure_signing_key, packet_path
from station.sync.worker import SyncWorker
from store.outbox import Outbox
from store.types import utcnow
from tests.sync.test_sync_faults import verdict_ok, worker


class Spy:
    """Counts what the worker asked of its client: separate commits, and deferred answers."""

    def __init__(self, client: CentralClient) -> None:
        self.commits: list[str] = []
        self.deferred: list[str] = []
        self.after: list[tuple[str, str]] = []  # (record, the record it was sent behind)
        commit, send_patch, finish = client.commit, client.send_patch, client.finish

        def spy_commit(record_uuid: str) -> dict[str, Any]:
            self.commits.append(record_uuid)
            return commit(record_uuid)

        def spy_send_patch(record_uuid: str, offset: int, chunk: bytes, **kw: Any) -> PatchHandle:
            handle = send_patch(record_uuid, offset, chunk, **kw)
            if handle.commit_after:
                self.after.append((record_uuid, handle.commit_after))
            return handle

        def spy_finish(handle: PatchHandle) -> PatchResult:
            result = finish(handle)
            if result.deferred:
                self.deferred.append(handle.record_uuid)
            return result

        client.commit = spy_commit  # type: ignore[method-assign]
        client.send_patch = spy_send_patch  # type: ignore[method-assign]
        client.finish = spy_finish  # type: ignore[method-assign]


def primed(core, *, timeout_s: float = 3.0) -> tuple[SyncWorker, Spy]:  # type: ignore[no-untyped-def]
    w = worker(core, timeout_s=timeout_s)
    w.monitor.throughput_bps = 1_000_000  # a fast link measured: 256 KiB chunks, one PATCH per record
    return w, Spy(w.client)


def drain(w: SyncWorker, *, timeout_s: float = 60, cancel: CancelToken | None = None, progress=None) -> None:  # type: ignore[no-untyped-def]
    kw = {} if progress is None else {"progress": progress}
    w.run(until_idle=True, wait_for_retry=True, timeout_s=timeout_s, cancel=cancel, **kw)


def uuids(core) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.uuid for r in Outbox(core.db).in_states(("SEALED",), limit=100)]


def central_order(server) -> list[int]:  # type: ignore[no-untyped-def]
    """station_seq of the received records in the order the centre committed them."""
    station = server.report()["stations"][0]
    received = [r for r in station["records"] if r.get("server_seq") is not None]
    return [r["station_seq"] for r in sorted(received, key=lambda r: r["server_seq"])]


@pytest.mark.timeout(120)
def test_pipelined_drain_keeps_the_order_on_one_connection(station, server, proxy, supervisor):
    enroll_synthetic(station, 6, seed=41, operator=supervisor, approver=supervisor)
    queue = uuids(station)
    proxy.set(latency_s=0.1, bandwidth_bps=400_000)
    w, spy = primed(station)
    drain(w)
    w.client.close()
    verdict_ok(station, server)
    assert central_order(server) == [1, 2, 3, 4, 5, 6]
    # Each record after the first went behind the one before it, and committed with its PATCH.
    assert spy.after == list(zip(queue[1:], queue[:-1], strict=True))
    assert spy.commits == [] and spy.deferred == []
    assert w.client.http.most_in_flight >= 2
    assert proxy.counters().connections == 1
    timeline = [t.state for t in station.enrollments.detail(record_uuid=queue[3]).timeline]
    assert timeline[1:] == ["SEALED", "REGISTERED", "UPLOADING", "UPLOADED", "RECEIVED", "PRINT_READY"]


@pytest.mark.timeout(120)
def test_a_dropped_answer_with_the_next_record_in_flight_loses_and_duplicates_nothing(
    station, server, proxy, supervisor
):
    enroll_synthetic(station, 3, seed=42, operator=supervisor, approver=supervisor)
    first, second, _ = uuids(station)
    proxy.set(latency_s=0.05)
    # The centre commits the first record, the station never hears, the connection closes
    # with the second record's PATCH already written behind it.
    proxy.drop_responses(match=rf"^PATCH \S*{first}", count=1)
    w, spy = primed(station)
    drain(w)
    w.client.close()
    verdict_ok(station, server)
    assert server.report()["stations"][0]["committed_more_than_once"] == 0
    assert central_order(server) == [1, 2, 3]
    assert proxy.counters().faults.get("drop_response", 0) == 1
    assert (second, first) in spy.after and w.client.http.most_in_flight >= 2
    out = Outbox(station.db)
    assert all(out.get(u).state in ("RECEIVED", "PRINT_READY") for u in (first, second))  # type: ignore[union-attr]
    # The lost answer was asked about at once (the centre's signed verdict), no backoff.
    states = [t.state for t in station.enrollments.detail(record_uuid=first).timeline]
    assert "WAITING_RETRY" not in states and "RECEIVED" in states, states


@pytest.mark.timeout(120)
@pytest.mark.parametrize("fault", ["cut", "reset"])
def test_a_broken_connection_with_two_requests_in_flight_loses_and_duplicates_nothing(
    station, server, proxy, supervisor, fault
):
    enroll_synthetic(station, 3, seed=43, operator=supervisor, approver=supervisor)
    first, second, _ = uuids(station)
    sizes = [Outbox(station.db).get(u).packet_size for u in (first, second)]  # type: ignore[union-attr]
    proxy.set(latency_s=0.05, bandwidth_bps=1_000_000)
    # Break the connection halfway through the second record's PATCH (counted from when
    # the limit is armed: the batch register and the first PATCH go first on it).
    at = 2_000 + sizes[0] + sizes[1] // 2
    (proxy.cut_after if fault == "cut" else proxy.reset_after)(at, direction="up", count=1)
    w, spy = primed(station)
    drain(w)
    w.client.close()
    verdict_ok(station, server)
    assert server.report()["stations"][0]["committed_more_than_once"] == 0
    assert central_order(server) == [1, 2, 3]
    assert proxy.counters().faults.get(fault, 0) == 1
    assert (second, first) in spy.after and w.client.http.most_in_flight >= 2


@pytest.mark.timeout(120)
def test_when_the_record_ahead_fails_the_next_one_is_deferred_then_committed_after_it(
    station, server, proxy, supervisor
):
    enroll_synthetic(station, 3, seed=44, operator=supervisor, approver=supervisor)
    first, second, third = uuids(station)
    w, spy = primed(station)
    w.register_ahead()
    # Another client already stored part of the first record: the station's offset 0 is
    # stale, its PATCH is refused (409), so the centre must not commit the second one
    # that comes right behind it.
    other = CentralClient(
        station.config.central_url, station=station.station().code, signing_key=ensure_signing_key(station.home)
    )
    other.patch(first, 0, packet_path(station.home, first).read_bytes()[:1000])
    other.close()
    drain(w)
    w.client.close()
    verdict_ok(station, server)
    assert central_order(server) == [1, 2, 3]
    assert (second, first) in spy.after
    # The centre deferred it (and the third, when that went behind it too) ...
    assert spy.deferred in ([second], [second, third]), spy.deferred
    assert spy.commits == spy.deferred  # ... and the station committed each in its turn, after the first
    timeline = [t.state for t in station.enrollments.detail(record_uuid=second).timeline]
    assert timeline[1:] == ["SEALED", "REGISTERED", "UPLOADING", "UPLOADED", "RECEIVED", "PRINT_READY"]
    assert Outbox(station.db).get(third).state == "PRINT_READY"  # type: ignore[union-attr]


@pytest.mark.timeout(120)
def test_cancel_with_the_next_record_in_flight_leaves_it_to_be_resolved(station, server, proxy, supervisor):
    enroll_synthetic(station, 3, seed=45, operator=supervisor, approver=supervisor)
    first, second, _ = uuids(station)
    proxy.set(latency_s=0.2)
    cancel = CancelToken()

    def progress(fraction: float | None, message: str) -> None:
        cancel.cancel()  # right after the first record's answer: the second one's PATCH is on the wire

    w, spy = primed(station)
    drain(w, cancel=cancel, progress=progress)
    w.client.close()
    out = Outbox(station.db)
    assert out.get(first).state == "RECEIVED"  # type: ignore[union-attr]
    left = out.get(second)
    assert left is not None and left.state == "UPLOADING" and left.last_error == "sync.interrupted"
    assert (second, first) in spy.after
    again, _ = primed(station)
    drain(again)
    again.client.close()
    verdict_ok(station, server)
    assert central_order(server) == [1, 2, 3]


@pytest.mark.timeout(120)
def test_a_busy_answer_to_a_patch_written_ahead_makes_its_record_wait_as_asked_when_the_one_before_fails(
    station, server, proxy, supervisor
):
    enroll_synthetic(station, 2, seed=46, operator=supervisor, approver=supervisor)
    first, second = uuids(station)
    w, spy = primed(station)
    finish = w.client.finish  # the spy's: counts, then the real one
    asked: list[str] = []

    def shed_the_one_ahead(handle: PatchHandle) -> PatchResult:
        result = finish(handle)  # the answer is read off the connection either way
        if handle.record_uuid == first and handle.commit:  # the first record's answer is lost ...
            raise SyncError("sync.interrupted", "the server closed the connection")
        if handle.record_uuid == second and handle.commit_after == first:  # ... and the centre shed the next one
            raise SyncError("sync.busy", "503", retry_after=30.0, http_status=503)
        return result

    def spy_register(*args: Any, **kw: Any) -> dict[str, Any]:
        asked.append(str(args[0]))
        return register(*args, **kw)

    register = w.client.register
    w.client.finish = shed_the_one_ahead  # type: ignore[method-assign]
    w.client.register = spy_register  # type: ignore[method-assign]
    before = utcnow()
    w.run(until_idle=True, wait_for_retry=False, timeout_s=60)
    w.client.close()
    out = Outbox(station.db)
    assert out.get(first).state in ("RECEIVED", "PRINT_READY")  # type: ignore[union-attr]
    waiting = out.get(second)
    # held where it was (busy: the centre did nothing), to be sent on at its time without asking first
    assert waiting is not None and waiting.state == "UPLOADING" and waiting.last_error == "sync.busy"
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at >= before + timedelta(seconds=30)
    assert (second, first) in spy.after and second not in asked  # nothing more was sent for it before its time
