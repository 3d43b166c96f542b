"""Supervisor end-of-day approval on a real station store (station.approval): the seal
waits for the supervisor when approval is on, a batch of decisions is all or nothing
and audited per record without personal data, the pending limit stops new
enrollments naming itself, and the command line does the same through the same core."""

from __future__ import annotations

import io
import json
import sys

import pytest
from sqlalchemy import select

from common.errors import AuthError, StateError, ValidationError, ValidationErrors
from station.admin import Admin
from station.approval import Decision, approval_state, pending_for, submit_decisions
from station.auth import Authenticated, Role, User
from station.cli.main import main
from station.core import StationCore
from station.enroll_synthetic import enroll_synthetic
from station.enrollment_rules import require_may_start
from station.status import status_dict
from station.sync.limits import EnrollmentBlocked, station_limits
from station.sync.service import export_pending
from store.models import AuditEvent, Enrollment, StatusEvent
from store.outbox import Outbox
from store.states import RecordState
from tests.conftest import SUPERVISOR_PASSWORD

S = RecordState


def signed_in(core: StationCore) -> Authenticated:
    return core.auth.verify_role("spv", SUPERVISOR_PASSWORD, Role.SUPERVISOR)


def seal(core: StationCore, n: int, supervisor: User, seed: int = 1) -> list[str]:
    enroll_synthetic(core, n, seed=seed, operator=supervisor, approver=supervisor, batch=n)
    with core.db.read() as session:
        rows = session.execute(select(Enrollment.uuid).order_by(Enrollment.station_seq)).scalars().all()
    return list(rows)[-n:]


def states(core: StationCore) -> list[tuple[int, str]]:
    with core.db.read() as session:
        rows = session.execute(select(Enrollment.station_seq, Enrollment.state).order_by(Enrollment.station_seq))
        return [(int(q), str(s)) for q, s in rows]


def test_off_by_default_the_seal_queues_as_before_and_on_it_waits_with_a_gap_free_seq(core, supervisor):
    assert core.config.supervisor_approval is False and core.config.approval_limit == 100
    seal(core, 2, supervisor)
    core.config.supervisor_approval = True
    seal(core, 2, supervisor, seed=10)
    assert states(core) == [(1, S.SEALED), (2, S.SEALED), (3, S.PENDING_APPROVAL), (4, S.PENDING_APPROVAL)]
    # The queue's head is still record 1; once 1 and 2 are gone the head waits for approval.
    outbox = Outbox(core.db)
    head = outbox.head()
    assert head is not None and head.station_seq == 1
    assert outbox.pending_totals()[0] == 2  # waiting for approval is not waiting to be sent
    for uuid in seal_uuids(core, (1, 2)):
        outbox.set_fields(uuid, state=S.RECEIVED)
    head = outbox.head()
    assert head is not None and head.state == S.PENDING_APPROVAL and head.station_seq == 3
    view = approval_state(core)
    assert view.head_waits and view.waiting == 2
    shown = status_dict(core)["approval"]
    assert shown["queue_waits"] and shown["waiting"] == 2 and "approval" in shown["message"]
    text = view.text()
    assert text is not None and "approval" in text.en and "persetujuan" in text.id


def seal_uuids(core: StationCore, seqs: tuple[int, ...]) -> list[str]:
    with core.db.read() as session:
        return list(session.scalars(select(Enrollment.uuid).where(Enrollment.station_seq.in_(seqs))))


def test_a_batch_approves_and_rejects_in_one_transaction_audited_per_record_without_personal_data(core, supervisor):
    core.config.supervisor_approval = True
    uuids = seal(core, 4, supervisor)
    spv = signed_in(core)
    pending = pending_for(core, spv)
    assert [p.station_seq for p in pending] == [1, 2, 3, 4]
    assert all(p.operator == "spv" and p.name for p in pending)
    nik = core.enrollments.load(uuids[1])
    assert nik is not None
    note = f"foto buram, NIK {nik.nik}"
    result = submit_decisions(
        core,
        [
            Decision(uuids[0], True),
            Decision(uuids[1], False, "poor_capture", note),
            Decision(uuids[2], True),
            Decision(uuids[3], False, "duplicate_enrollment"),
        ],
        supervisor=spv,
    )
    assert result.approved == ["320412-01-0000001", "320412-01-0000003"]
    assert result.rejected == ["320412-01-0000002", "320412-01-0000004"]
    assert states(core) == [(1, S.SEALED), (2, S.WITHDRAWING), (3, S.SEALED), (4, S.WITHDRAWING)]
    with core.db.read() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["approval_approve", "approval_reject"]))
        ).all()
        reasons = dict(session.execute(select(Enrollment.station_seq, Enrollment.reject_reason)).all())
        timeline = session.scalars(select(StatusEvent.detail).where(StatusEvent.state == S.WITHDRAWING)).all()
    assert [(e.action, e.target, e.actor) for e in events] == [
        ("approval_approve", "320412-01-0000001", "spv"),
        ("approval_reject", "320412-01-0000002", "spv"),
        ("approval_approve", "320412-01-0000003", "spv"),
        ("approval_reject", "320412-01-0000004", "spv"),
    ]
    assert json.loads(events[1].detail)["reason"] == "poor_capture"
    assert reasons[2] == "poor_capture" and reasons[4] == "duplicate_enrollment" and reasons[1] is None
    stored = " ".join([*(e.detail for e in events), *timeline])
    assert nik.nik not in stored and "#" * 16 in stored  # the typed NIK is masked everywhere
    assert approval_state(core).waiting == 0


def test_a_batch_is_all_or_nothing_and_refuses_bad_reasons_and_other_roles(core, supervisor):
    core.config.supervisor_approval = True
    a, b = seal(core, 2, supervisor)
    spv = signed_in(core)
    submit_decisions(core, [Decision(b, True)], supervisor=spv)
    with pytest.raises(StateError) as twice:  # b was decided already: a is not decided either
        submit_decisions(core, [Decision(a, True), Decision(b, True)], supervisor=spv)
    assert twice.value.code == "approval.not_pending" and "320412-01-0000002" in twice.value.message.en
    assert states(core) == [(1, S.PENDING_APPROVAL), (2, S.SEALED)]
    for bad, code in (
        (Decision(a, False, "bored"), "approval.reason"),
        (Decision(a, False, "other", "   "), "approval.note"),
        (Decision(a, False, None), "approval.reason"),
    ):
        with pytest.raises(ValidationError) as refused:
            submit_decisions(core, [bad], supervisor=spv)
        assert refused.value.code == code
    with pytest.raises(ValidationError):
        submit_decisions(core, [Decision(a, True), Decision(a, False, "other", "x")], supervisor=spv)
    with pytest.raises(AuthError):  # a User that never gave a password
        submit_decisions(core, [Decision(a, True)], supervisor=supervisor)
    core.auth.add_operator("ani", "Ani", Role.OPERATOR, "rahasia-ani-1", by=spv)
    with core.db.write() as session:
        from store.models import Operator

        row = session.scalar(select(Operator).where(Operator.username == "ani"))
        assert row is not None
        row.must_change_password = False
    operator = core.auth.login("ani", "rahasia-ani-1")
    with pytest.raises(AuthError):
        submit_decisions(core, [Decision(a, True)], supervisor=operator)
    assert states(core)[0] == (1, S.PENDING_APPROVAL)


def test_the_pending_limit_stops_new_enrollments_naming_the_limit(core, supervisor):
    core.config.supervisor_approval = True
    core.config.approval_limit = 2
    seal(core, 2, supervisor)
    require_may_start(core, supervisor)  # 2 waiting is not more than 2
    seal(core, 1, supervisor, seed=5)
    with pytest.raises(EnrollmentBlocked) as blocked:
        require_may_start(core, supervisor)
    assert "3 records are waiting for the supervisor's approval (limit 2)" in blocked.value.message.en
    assert "(batas 2)" in blocked.value.message.id
    assert [lim.name for lim in station_limits(core)] == ["pending_approval"]
    # Switched off with records still waiting: they still hold the queue, the limit holds.
    core.config.supervisor_approval = False
    with pytest.raises(EnrollmentBlocked):
        require_may_start(core, supervisor)


def test_the_setting_is_a_supervisors_audited_change(core):
    admin = Admin(core, signed_in(core))
    change = admin.apply_settings({"supervisor_approval": True, "approval_limit": 40})
    assert set(change.changes) == {"supervisor_approval", "approval_limit"}
    assert core.config.supervisor_approval is True and core.config.approval_limit == 40
    with pytest.raises(ValidationErrors):
        admin.apply_settings({"approval_limit": 0})
    assert StationCore.open(core.home).config.approval_limit == 40  # saved to station.toml
    with core.db.read() as session:
        detail = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "settings_change")).one()
    assert json.loads(detail)["supervisor_approval"] == {"before": False, "after": True}


def test_hand_carry_stops_before_a_record_that_awaits_the_supervisor(core, supervisor, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from station.sync.packets import CENTRAL_KEY
    from wire.keys import public_pem

    (core.home / CENTRAL_KEY).write_bytes(public_pem(X25519PrivateKey.generate()))
    seal(core, 1, supervisor)
    core.config.supervisor_approval = True
    seal(core, 1, supervisor, seed=7)
    core.config.supervisor_approval = False
    seal(core, 1, supervisor, seed=9)
    result = export_pending(core, tmp_path / "usb", supervisor=signed_in(core))
    assert result.records == ["320412-01-0000001"]
    assert states(core) == [(1, S.EXPORTED), (2, S.PENDING_APPROVAL), (3, S.SEALED)]


def cli(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    rc = main(["--lang", "en", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_command_line_lists_approves_and_rejects_with_the_supervisors_password(
    core, supervisor, capsys, monkeypatch
):
    core.config.supervisor_approval = True
    seal(core, 3, supervisor)
    rc, out, _ = cli(capsys, monkeypatch, "approve", "list", "--json")
    assert rc == 0 and [r["reg_no"] for r in json.loads(out)] == [f"320412-01-000000{i}" for i in (1, 2, 3)]
    password = SUPERVISOR_PASSWORD + "\n"
    rc, _, err = cli(
        capsys, monkeypatch, "approve", "approve", "320412-01-0000001", "--supervisor", "spv", "--password-stdin",
        stdin="wrong-password\n",
    )  # fmt: skip
    assert rc == 2 and states(core)[0] == (1, S.PENDING_APPROVAL)
    rc, out, err = cli(
        capsys, monkeypatch, "approve", "approve", "320412-01-0000001", "320412-01-0000003",
        "--supervisor", "spv", "--password-stdin", stdin=password,
    )  # fmt: skip
    assert rc == 0, err
    assert "320412-01-0000001 320412-01-0000003" in out
    rc, out, err = cli(
        capsys, monkeypatch, "approve", "reject", "320412-01-0000002", "--reason", "wrong_person",
        "--note", "bukan pemohon", "--supervisor", "spv", "--password-stdin", stdin=password,
    )  # fmt: skip
    assert rc == 0, err
    assert states(core) == [(1, S.SEALED), (2, S.WITHDRAWING), (3, S.SEALED)]
    rc, _, err = cli(
        capsys, monkeypatch, "approve", "approve", "320412-01-0000002", "--supervisor", "spv", "--password-stdin",
        stdin=password,
    )  # fmt: skip
    assert rc == 2 and "not waiting for approval" in err
    rc, out, _ = cli(capsys, monkeypatch, "approve", "list")
    assert rc == 0 and "No records are waiting" in out
