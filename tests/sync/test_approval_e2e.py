"""End-of-day approval end to end, against a real `station-central serve` on loopback:
the queue waits at a record the supervisor has not decided, approved records reach the
centre in station_seq order, rejected ones are withdrawn with a signed verdict (no
packet sent, none kept), and the centre explains their numbers instead of reporting
gaps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from station.approval import Decision, submit_decisions
from station.auth import Role
from station.enroll_synthetic import enroll_synthetic
from station.enrollment_rules import require_may_start
from station.sync.limits import EnrollmentBlocked
from station.sync.packets import packet_path
from station.sync.service import make_worker
from station.sync.trust import ReceiptVerifier
from store.check import run_all
from store.models import Enrollment
from store.outbox import Outbox
from store.states import RecordState
from tests.conftest import SUPERVISOR_PASSWORD

S = RecordState


def station_report(server):  # type: ignore[no-untyped-def]
    report = server.report()
    return next(s for s in report["stations"] if s["station"] == "320412-01")


def sync(core):  # type: ignore[no-untyped-def]
    worker = make_worker(core)
    try:
        return worker.run(until_idle=True, timeout_s=60)
    finally:
        worker.client.close()


def by_seq(core) -> dict[int, tuple[str, str]]:  # type: ignore[no-untyped-def]
    with core.db.read() as session:
        rows = session.execute(select(Enrollment.station_seq, Enrollment.uuid, Enrollment.state)).all()
    return {int(seq): (uuid, str(state)) for seq, uuid, state in rows}


@pytest.mark.timeout(120)
def test_approved_records_arrive_in_order_and_rejected_ones_are_withdrawn_not_gaps(joined, supervisor, server):
    core = joined
    core.config.supervisor_approval = True
    enroll_synthetic(core, 5, seed=21, operator=supervisor, approver=supervisor, batch=5)
    uuid = {seq: u for seq, (u, _) in by_seq(core).items()}
    spv = core.auth.verify_role("spv", SUPERVISOR_PASSWORD, Role.SUPERVISOR)

    # Nothing decided: nothing is sent, and the centre has not heard of any record.
    summary = sync(core)
    assert summary.sent == 0 and summary.errors == []
    assert station_report(server)["records"] == []

    # 1 and 3 approved, 2 undecided: 1 goes, 3 waits behind 2 (strict order).
    submit_decisions(core, [Decision(uuid[1], True), Decision(uuid[3], True)], supervisor=spv)
    summary = sync(core)
    assert summary.sent == 1
    states = by_seq(core)
    # 3 may be registered ahead (no bytes, no commit): the centre has received only 1.
    assert states[1][1] in (S.RECEIVED, S.PRINT_READY) and states[3][1] in (S.SEALED, S.REGISTERED)
    assert [r["station_seq"] for r in station_report(server)["records"]] == [1]

    # 2 and 5 rejected, 4 approved: 2 is withdrawn in its turn, then 3 and 4 go, then 5.
    submit_decisions(
        core,
        [
            Decision(uuid[2], False, "poor_capture", "wajah buram"),
            Decision(uuid[4], True),
            Decision(uuid[5], False, "duplicate_enrollment"),
        ],
        supervisor=spv,
    )
    summary = sync(core)
    assert summary.sent == 2 and summary.errors == []

    central = station_report(server)
    received = sorted((r for r in central["records"] if r["status"] == "received"), key=lambda r: r["server_seq"])
    assert [r["station_seq"] for r in received] == [1, 3, 4]  # exactly the approved ones, in order
    withdrawn = {r["station_seq"]: r for r in central["records"] if r["status"] == "withdrawn"}
    assert sorted(withdrawn) == [2, 5]
    assert withdrawn[2]["reason"] == "poor_capture" and withdrawn[5]["reason"] == "duplicate_enrollment"
    assert withdrawn[2]["record_uuid"] == uuid[2] and withdrawn[2]["receipt_id"] is None
    assert central["gaps"] == [] and central["watermark"] == 5  # explained, not missing
    assert central["withdrawn"] == 2

    # The station: WITHDRAWN only on the verified verdict, kept as proof; the packet gone.
    verifier = ReceiptVerifier.load(core.home, "320412-01")
    outbox = Outbox(core.db)
    for seq in (2, 5):
        rec = outbox.get(uuid[seq])
        assert rec is not None and rec.state == S.WITHDRAWN
        proof = verifier.check_proof(rec.receipt_proof, rec)
        assert proof is not None and proof.state == "withdrawn" and proof.station_seq == seq
        assert not packet_path(core.home, uuid[seq]).exists()
    assert packet_path(core.home, uuid[3]).exists()  # a received packet stays until retention
    info = outbox.info()
    assert info["watermark"] == 5 and info["gaps"] == []
    assert outbox.head() is None
    failed = [c for c in run_all(core.db, core.key) if not c.passed]  # `station db check`: still whole
    assert failed == []

    # The pending limit: more than approval_limit waiting stops the next enrollment, named.
    core.config.approval_limit = 1
    enroll_synthetic(core, 2, seed=41, operator=supervisor, approver=supervisor, batch=2)
    with pytest.raises(EnrollmentBlocked) as blocked:
        require_may_start(core, supervisor)
    assert "2 records are waiting for the supervisor's approval (limit 1)" in blocked.value.message.en


@pytest.mark.timeout(60)
def test_a_refused_withdrawal_holds_the_queue_and_names_the_refusal(joined, supervisor, server):
    """A withdrawal the centre refuses (here: it already holds that uuid, registered by
    hand behind the station's back) marks nothing: the record stays WITHDRAWING with the
    error and a next try, its packet stays, and the record after it is not sent."""
    core = joined
    core.config.supervisor_approval = True
    enroll_synthetic(core, 2, seed=51, operator=supervisor, approver=supervisor, batch=2)
    uuid = {seq: u for seq, (u, _) in by_seq(core).items()}
    spv = core.auth.verify_role("spv", SUPERVISOR_PASSWORD, Role.SUPERVISOR)
    submit_decisions(core, [Decision(uuid[1], False, "incomplete_data"), Decision(uuid[2], True)], supervisor=spv)
    first = Outbox(core.db).get(uuid[1])
    assert first is not None and first.packet_sha256 is not None and first.packet_size is not None
    worker = make_worker(core)
    try:
        worker.client.register(uuid[1], 1, first.packet_sha256, first.packet_size)
        summary = worker.run(until_idle=True, timeout_s=30)
    finally:
        worker.client.close()
    assert summary.sent == 0 and summary.errors == ["320412-01-0000001: record.not_withdrawable"]
    held = Outbox(core.db).get(uuid[1])
    assert held is not None and held.state == S.WITHDRAWING and held.last_error == "record.not_withdrawable"
    assert held.next_attempt_at is not None and held.receipt_proof is None
    assert packet_path(core.home, uuid[1]).exists()
    assert by_seq(core)[2][1] in (S.SEALED, S.REGISTERED)  # strict order: 2 waits behind 1
    central = station_report(server)
    assert central["received"] == 0 and central["withdrawn"] == 0
